import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFlowLink, privatePgUrl, servers, type Running } from '../helpers/flowlink.ts';
import { startFakeWebhook } from '../fakes/siem/webhook.ts';
import { retentionRepo } from '../../src/audit/retention.repo.ts';
import { runCli } from '../helpers/cli.ts';
import { createComplianceService } from '../../src/compliance/compliance.service.ts';
import { ConfigSchema } from '../../src/config/schema.ts';

// Facts owned by other modules (retention, SIEM delivery), scheduled reports, and the CLI, on PostgreSQL.
const SECRET = 'siem-hmac-secret-for-tests';
let fl: Running;
let pgUrl: string;
let hook: Awaited<ReturnType<typeof startFakeWebhook>>;
const dir = mkdtempSync(join(tmpdir(), 'fl-report-cli-'));
const cfgFile = join(dir, 'flowlink.yaml');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCli(args, { env: { ...process.env, DATABASE_URL: pgUrl }, cwd: dir });
}

before(async () => {
  hook = await startFakeWebhook(SECRET);
  process.env.FL_TEST_SIEM_SECRET = SECRET;
  pgUrl = await privatePgUrl();
  const siem = { sinks: [{ name: 'soc', type: 'webhook', url: hook.url, secret: { env: 'FL_TEST_SIEM_SECRET' } }], retryBase: '50ms', retryMax: '100ms' };
  fl = await startFlowLink({ servers: { everything: servers.everything }, siem }, { pgUrl });
  writeFileSync(cfgFile, `servers:\n  everything:\n    command: ${JSON.stringify(servers.everything.command)}\n    args: ${JSON.stringify(servers.everything.args)}\nsiem:\n  sinks:\n    - { name: soc, type: webhook, url: "${hook.url}", secret: { env: FL_TEST_SIEM_SECRET } }\n`);
});
after(async () => {
  await fl?.stop();
  await hook?.stop();
});

test('retention and SIEM delivery come from their modules: not configured, then set and delivering, then failing', async () => {
  let r = await fl.fl.compliance.report(fl.orgId);
  assert.equal(r.checks['retention.configured']!.status, 'fail');
  await retentionRepo.set(fl.fl.store, fl.orgId, 400, 'test');
  await fl.fl.snapshots.capture(fl.orgId, 'manual');
  await fl.fl.siem.delivery.drain();
  r = await fl.fl.compliance.report(fl.orgId);
  assert.equal(r.checks['retention.configured']!.status, 'pass');
  assert.equal(r.checks['retention.configured']!.evidence.audit_days, 400);
  const siem = r.checks['siem.delivering']!;
  assert.equal(siem.status, 'pass', JSON.stringify(siem.evidence));
  assert.deepEqual(siem.evidence.sinks, ['soc']);
  assert.ok(hook.received.some((e) => e.kind === 'snapshot.captured'), 'the fake SIEM got the events');
  hook.setDown(true);
  try {
    await fl.fl.snapshots.capture(fl.orgId, 'manual');
    // runOnce joins a pass already under way (which may predate the capture): the second
    // call is a pass that started after it.
    await fl.fl.siem.delivery.runOnce();
    await fl.fl.siem.delivery.runOnce();
    r = await fl.fl.compliance.report(fl.orgId);
    assert.equal(r.checks['siem.delivering']!.status, 'fail');
    assert.deepEqual(r.checks['siem.delivering']!.evidence.failing, ['soc']);
  } finally {
    hook.setDown(false);
  }
});

test('a provider that fails counts as not configured: its check fails, the report still comes', async () => {
  const broken = createComplianceService({
    facts: {
      store: fl.fl.store,
      config: ConfigSchema.parse({}),
      baseDir: dir,
      policy: () => ({ version: 0, document: fl.fl.policy.current().document }),
      providers: { retention: () => Promise.reject(new Error('db down')), siem: () => Promise.reject(new Error('db down')) },
    },
    pdf: { render: () => Promise.reject(new Error('unused')) },
  });
  const r = await broken.report(fl.orgId, ['owasp-mcp']);
  assert.equal(r.checks['retention.configured']!.status, 'fail');
  assert.equal(r.checks['retention.configured']!.evidence.source, 'retention (unavailable)');
  assert.equal(r.checks['siem.delivering']!.status, 'fail');
});

test('scheduled reports are written to the folder in each format and recorded as report.generated', async () => {
  const out = join(dir, 'reports');
  const files = await fl.fl.compliance.writeScheduled({ standards: ['soc2', 'fstec'], formats: ['json', 'html'], lang: 'ru', dir: out, orgs: ['default', 'no-such-org'] }, dir);
  assert.equal(files.length, 2);
  assert.deepEqual(readdirSync(out).map((f) => f.split('.').pop()).sort(), ['html', 'json']);
  const json = JSON.parse(readFileSync(files.find((f) => f.endsWith('.json'))!, 'utf8'));
  assert.deepEqual(json.standards.map((s: { id: string }) => s.id), ['soc2', 'fstec']);
  assert.match(readFileSync(files.find((f) => f.endsWith('.html'))!, 'utf8'), /<html lang="ru">/);
  const ev = await fl.fl.store.query<{ data: { trigger: string } }>(`SELECT data FROM audit_events WHERE org_id = $1 AND kind = 'report.generated' AND data->>'trigger' = 'schedule'`, [fl.orgId]);
  assert.equal(ev.length, 2);
});

test('flowlink report compliance: JSON and HTML files, --json scores, clear usage errors', async () => {
  const help = await cli(['report', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /flowlink report compliance \[--standard/);
  const file = join(dir, 'r.json');
  const j = await cli(['report', 'compliance', '--config', cfgFile, '--format', 'json', '--standard', 'owasp-mcp', '--out', file]);
  assert.equal(j.code, 0, j.err);
  assert.match(j.err, /evaluating owasp-mcp for org default/);
  assert.match(j.out, /^owasp-mcp\s+\d+(\.\d)?%/m);
  const rep = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(rep.org.id, fl.orgId);
  assert.equal(rep.checks['retention.configured'].status, 'pass', 'the CLI reads the same retention setting');
  assert.deepEqual(rep.checks['siem.delivering'].evidence.sinks, ['soc'], 'and the configured sinks');
  const s = await cli(['report', 'compliance', '--config', cfgFile, '--json', '--org', fl.orgId]);
  assert.equal(s.code, 0, s.err);
  assert.equal(JSON.parse(s.out).standards.length, 4);
  const html = await cli(['report', 'compliance', '--config', cfgFile, '--lang', 'ru', '--standard', 'gost-57580']);
  assert.equal(html.code, 0, html.err);
  assert.ok(html.out.includes('ГОСТ Р 57580.1-2017') && html.out.includes('<html lang="ru">'));
  for (const [args, msg] of [
    [['report', 'compliance', '--format', 'docx'], /--format must be html, pdf or json/],
    [['report', 'compliance', '--format', 'pdf'], /--format pdf needs --out FILE/],
    [['report', 'compliance', '--standard', 'pci'], /unknown standard "pci"/],
    [['report', 'audit'], /unknown or missing report "audit"/],
  ] as const) {
    const r = await cli([...args, '--config', cfgFile]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, msg);
  }
  const noOrg = await cli(['report', 'compliance', '--config', cfgFile, '--org', 'nobody']);
  assert.equal(noOrg.code, 1);
  assert.match(noOrg.err, /no org named \(or with id\) "nobody"/);
});

test('flowlink snapshot: capture, list, diff and restore against the same database', async () => {
  await fl.fl.policy.apply({ policies: { rules: [{ id: 'r1', effect: 'deny', match: { tools: ['get-env'] } }] } }, 'test');
  const a = JSON.parse((await cli(['snapshot', 'capture', '--config', cfgFile, '--json', '--reason', 'incident', '--ref', 'INC-7'])).out);
  assert.equal(a.reason, 'incident');
  await fl.fl.policy.apply({ policies: { rules: [{ id: 'r1', effect: 'allow', match: { tools: ['get-env'] } }] } }, 'test');
  const b = JSON.parse((await cli(['snapshot', 'capture', '--config', cfgFile, '--json'])).out);
  const list = await cli(['snapshot', 'list', '--config', cfgFile]);
  assert.equal(list.code, 0);
  assert.ok(list.out.includes(a.id) && list.out.includes('INC-7'));
  const d = await cli(['snapshot', 'diff', a.id, b.id, '--config', cfgFile]);
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /~ rule "r1": effect: "deny" -> "allow"/);
  const before = fl.fl.policy.current().version;
  const r = await cli(['snapshot', 'restore', a.id, '--config', cfgFile, '--json']);
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out);
  assert.equal(res.changed, true);
  assert.ok(res.to_version > before);
  const bad = await cli(['snapshot', 'diff', a.id, '--config', cfgFile]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /takes 2 snapshot id/);
  const gone = await cli(['snapshot', 'show', 'snap_doesnotexist', '--config', cfgFile]);
  assert.equal(gone.code, 1);
  assert.match(gone.err, /does not exist in this organization/);
});
