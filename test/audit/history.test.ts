import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditWriter } from '../../src/audit/audit.writer.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';
import { csvField } from '../../src/audit/history.export.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { createAgentService, DEFAULT_ORG } from '../../src/identity/agents.service.ts';
import { runCli } from '../helpers/cli.ts';
import { backends, makeOrg } from './helpers.ts';

const DAY = 86_400_000;

async function seedCalls(store: Store, orgId: string) {
  const writer = createAuditWriter({ store });
  const now = Date.now();
  const calls = [
    { tool: 'run_command', args: { command: 'rm -rf /tmp/x' }, verdict: 'block', risk: 92, status: 'denied' as const, age: 1 * DAY, agent: 'ci-bot' },
    { tool: 'run_command', args: { command: 'ls -la' }, verdict: 'allow', risk: 3, status: 'ok' as const, age: 2 * DAY, agent: 'ci-bot' },
    { tool: 'query', args: { sql: 'SELECT 1, "quoted", 100%_done' }, verdict: 'approve', risk: 55, status: 'ok' as const, age: 3 * DAY, agent: 'analyst' },
    { tool: 'read_file', args: { path: '=cmd|calc' }, verdict: 'allow', risk: 10, status: 'error' as const, age: 10 * DAY, agent: 'analyst' },
  ];
  let i = 0;
  for (const c of calls) {
    const started = new Date(now - c.age);
    const decision = { shield: { verdict: c.verdict, risk: c.risk, reasons: c.risk > 50 ? [{ rule: 'shell.rm-rf', severity: 'high', message: 'x' }] : [] } };
    const id = `call_${i++}`;
    await writer.append({
      orgId,
      kind: c.status === 'denied' ? 'call.denied' : 'call.completed',
      actor: { type: 'agent', id: c.agent },
      outcome: c.status === 'ok' ? 'success' : c.status === 'denied' ? 'denied' : 'failure',
      data: { call_id: id, server: 'ops', tool: c.tool, arguments_sha256: '0'.repeat(64), status: c.status, error: c.status === 'error' ? 'line1\nline2, "q"' : null, duration_ms: 5, decision },
      call: { id, agent_id: c.agent, agent_name: c.agent, session_id: null, server: 'ops', tool: c.tool, arguments: c.args, status: c.status, error: c.status === 'error' ? 'line1\nline2, "q"' : null, duration_ms: 5, started_at: started.toISOString(), finished_at: started.toISOString(), client: null, protocol: '2025-06-18', decision },
    });
  }
  await writer.close();
}

for (const [name, open] of backends) {
  test(`${name}: history filters by verdict, risk, time and text, and pages with a cursor`, async () => {
    const store = await open();
    try {
      const org = await makeOrg(store, 'hist');
      await seedCalls(store, org);
      const q = (f: object) => auditRepo.history(store, { orgId: org, limit: 100, ...f }).then((r) => r.map((c) => c.id));
      assert.deepEqual(await q({}), ['call_0', 'call_1', 'call_2', 'call_3'], 'newest first');
      assert.deepEqual(await q({ verdict: 'block' }), ['call_0']);
      assert.deepEqual(await q({ minRisk: 50 }), ['call_0', 'call_2']);
      assert.deepEqual(await q({ since: new Date(Date.now() - 7 * DAY) }), ['call_0', 'call_1', 'call_2']);
      assert.deepEqual(await q({ until: new Date(Date.now() - 2.5 * DAY) }), ['call_2', 'call_3']);
      assert.deepEqual(await q({ text: 'RM -RF' }), ['call_0'], 'case-insensitive, in arguments');
      assert.deepEqual(await q({ text: '100%_' }), ['call_2'], 'LIKE wildcards are literal');
      assert.deepEqual(await q({ text: '%' }), ['call_2']);
      assert.deepEqual(await q({ text: 'analyst', status: 'error' }), ['call_3']);
      const first = await auditRepo.history(store, { orgId: org, limit: 2 });
      const last = first[1]!;
      assert.deepEqual(await q({ before: { started_at: new Date(last.started_at).toISOString(), id: last.id } }), ['call_2', 'call_3']);
    } finally {
      await store.close();
    }
  });
}

test('CSV fields are escaped (RFC 4180) and guarded against formulas', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('l1\nl2'), '"l1\nl2"');
  assert.equal(csvField('=1+1'), "'=1+1");
  assert.equal(csvField('-2'), "'-2");
  assert.equal(csvField(-2), '-2');
  assert.equal(csvField(null), '');
  assert.equal(csvField({ a: '"' }), '"{""a"":""\\""""}"');
});

test('flowlink history exports CSV and JSON Lines with filters; old flags still work', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-hist-'));
  const data = join(dir, 'data');
  const run = (args: string[]) => runCli(['history', '--data', data, ...args], { env: { ...process.env, DATABASE_URL: '' }, cwd: dir });
  try {
    const store = await openStore({ data });
    await seedCalls(store, (await createAgentService({ store }).ensureOrg(DEFAULT_ORG)).id);
    await store.close();

    const csv = await run(['--since', '7d', '--format', 'csv']);
    assert.equal(csv.code, 0, csv.err);
    const lines = csv.out.split('\r\n').filter(Boolean);
    assert.match(lines[0]!, /^time,finished_at,call_id,audit_seq,agent,/);
    assert.equal(lines.length, 4, 'header + 3 calls in the last 7 days');
    assert.ok(csv.out.includes('"{""sql"":""SELECT 1, \\""quoted\\"", 100%_done""}"'), csv.out);

    const jl = await run(['--text', 'calc', '--format', 'jsonl']);
    const recs = jl.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(recs.length, 1);
    assert.equal(recs[0].error, 'line1\nline2, "q"');
    assert.equal(recs[0].verdict, 'allow');

    const blocked = await run(['--verdict', 'block', '--min-risk', '90', '--format', 'jsonl']);
    assert.deepEqual(blocked.out.trim().split('\n').map((l) => JSON.parse(l).reasons), [['shell.rm-rf']]);

    const band = await run(['--min-risk', '5', '--max-risk', '60', '--format', 'jsonl']);
    assert.deepEqual(band.out.trim().split('\n').map((l) => JSON.parse(l).risk), [55, 10]);
    assert.equal((await run(['--min-risk', '60', '--max-risk', '5'])).code, 2);

    const legacy = await run(['--json', '--agent', 'ci-bot', '--limit', '1']);
    assert.equal(legacy.out.trim().split('\n').length, 1);
    assert.equal(JSON.parse(legacy.out).tool, 'run_command');
    assert.match((await run(['--tool', 'query'])).out, /TIME\s+AGENT/);
    assert.equal((await run(['--since', 'yesterday'])).code, 2);
    assert.equal((await run(['--format', 'xml'])).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
