import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { openStore } from '../../src/store/open.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createAgentService } from '../../src/identity/agents.service.ts';
import { createPolicyService } from '../../src/policy/policy.service.ts';
import { policyRepo } from '../../src/policy/policy.repo.ts';
import { simulate, toRecordedCall } from '../../src/policy/simulate.ts';
import { compilePolicy } from '../../src/policy/compile.ts';
import { PoliciesConfigSchema } from '../../src/policy/policy.schema.ts';
import { main } from '../../src/cli/index.ts';
import type { Store } from '../../src/store/store.ts';

const HOUR = 3_600_000;

/** A recorded history: four calls, two with Shield verdicts stored the way the Shield stage stores them. */
async function record(store: Store) {
  const agents = createAgentService({ store });
  const org = await agents.ensureOrg('default');
  const { agent } = await agents.create(org.id, 'ci-bot', { labels: { team: 'platform' } });
  const calls = [
    { tool: 'query', server: 'db', args: { sql: 'DELETE FROM users' }, shield: { verdict: 'approve', risk: 50, severity: 'medium', reasons: [{ rule: 'sql.delete-without-where', severity: 'medium', message: '' }], targets: [{ kind: 'table', value: 'users', op: 'delete' }] } },
    { tool: 'query', server: 'db', args: { sql: 'SELECT 1' }, shield: { verdict: 'allow', risk: 0, severity: 'info', reasons: [], targets: [] } },
    { tool: 'get_pods', server: 'kubernetes', args: { namespace: 'prod' } },
    { tool: 'delete_pod', server: 'kubernetes', args: { namespace: 'dev' } },
  ];
  let i = 0;
  for (const c of calls) {
    i++;
    const at = new Date(Date.now() - i * HOUR).toISOString();
    await store.query(
      `INSERT INTO calls (id, org_id, audit_seq, agent_id, agent_name, server, tool, arguments, status, duration_ms, started_at, finished_at, decision) VALUES ($1, $2, $3, $4, 'ci-bot', $5, $6, $7, 'ok', 1, $8, $8, $9)`,
      [`call_${i}`, org.id, i, agent.id, c.server, c.tool, JSON.stringify(c.args), at, JSON.stringify(c.shield ? { shield: c.shield } : {})],
    );
  }
  return org;
}

const BASELINE = { policies: { rules: [{ id: 'k8s-read', effect: 'allow', match: { tools: ['kubernetes__get_*'] } }] } };
const CANDIDATE = `policies:
  defaults: { posture: allow }
  rules:
    - id: no-k8s-deletes
      effect: deny
      match: { tools: ["*__delete_*"] }
    - id: prod-ns-approve
      effect: approve
      when: { namespaces: [prod] }
    - id: db-writes-ok
      effect: allow
      priority: 5
      match: { servers: [db], agentLabels: { team: platform } }
      when: { sql: [delete] }
      exception: { justification: "platform team cleans test tables (CHG-7)", shieldRules: ["sql.delete-without-where"] }
`;

test('simulate: diff of decisions on a recorded history (pure core, rows from the calls table)', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    const org = await record(store);
    const rows = await policyRepo.recordedCalls(store, { since: new Date(Date.now() - 7 * 24 * HOUR), limit: 100 });
    assert.equal(rows.length, 4);
    const calls = rows.map((r) => toRecordedCall(r, () => undefined, org.name));
    const baseline = compilePolicy(PoliciesConfigSchema.parse(BASELINE.policies));
    const { parseDocumentText } = await import('../../src/policy/document.ts');
    const cand = parseDocumentText(CANDIDATE, 'candidate.yaml');
    assert.ok(cand.ok);
    const r = simulate(compilePolicy(cand.value.policies), baseline, calls);
    assert.equal(r.total, 4);
    assert.deepEqual(r.newlyBlocked.map((c) => [c.tool, c.before, c.after, c.afterRule]), [['delete_pod', 'allow', 'deny', 'no-k8s-deletes']]);
    assert.deepEqual(r.newlyAllowed.map((c) => [c.tool, c.before, c.after, c.afterRule]), [['query', 'approve', 'allow', 'db-writes-ok']], 'the exception waives the Shield approval for DELETE');
    assert.deepEqual(r.needsApproval.map((c) => [c.tool, c.before, c.after, c.afterRule]), [['get_pods', 'allow', 'approve', 'prod-ns-approve']]);
    assert.equal(r.unchanged, 1);
  } finally {
    await store.close();
  }
});

test('CLI: policy test, explain, versions and rollback', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-polcli-'));
  try {
    const config = join(dir, 'flowlink.yaml');
    writeFileSync(config, `store: { data: ./data }\nservers:\n  db: { command: "true", labels: { env: prod } }\n  kubernetes: { command: "true" }\n`);
    writeFileSync(join(dir, 'candidate.yaml'), CANDIDATE);
    const store = await openStore({ data: join(dir, 'data') });
    try {
      await record(store);
      const svc = createPolicyService({ store, logger: silentLogger });
      await svc.apply(BASELINE, 'alice');
      await svc.apply({ policies: { rules: [{ id: 'deny-all', effect: 'deny' }] } }, 'mallory');
      await svc.rollback(1, 'alice');
    } finally {
      await store.close();
    }
    const run = async (...argv: string[]) => {
      const out = new PassThrough();
      const err = new PassThrough();
      let text = '';
      let etext = '';
      out.on('data', (d) => (text += d));
      err.on('data', (d) => (etext += d));
      const code = await main(argv, { stdin: new PassThrough(), stdout: out, stderr: err, env: {}, cwd: dir });
      return { code, text, err: etext };
    };
    const t = await run('policy', 'test', '--candidate', 'candidate.yaml', '--since', '7d', '--json', '--config', config);
    assert.equal(t.code, 0, t.err);
    const sim = JSON.parse(t.text) as { total: number; newlyBlocked: unknown[]; newlyAllowed: unknown[]; needsApproval: unknown[]; baseline: string };
    assert.deepEqual([sim.total, sim.newlyBlocked.length, sim.newlyAllowed.length, sim.needsApproval.length], [4, 1, 1, 1]);
    assert.match(sim.baseline, /version 3 \(rollback, alice\)/);
    const human = await run('policy', 'test', '--candidate', 'candidate.yaml', '--config', config);
    assert.match(human.text, /Newly blocked: 1[\s\S]*kubernetes__delete_pod[\s\S]*Needs approval: 1/);

    const e = await run('policy', 'explain', '--agent', 'ci-bot', '--server', 'kubernetes', '--tool', 'delete_pod', '--args', '{"namespace":"prod"}', '--config', config);
    assert.equal(e.code, 0, e.err);
    assert.match(e.text, /✘ k8s-read .*\n\s+scope: tool "delete_pod" \(kubernetes__delete_pod\) not in \["kubernetes__get_\*"\]/);
    assert.match(e.text, /Shield: approve .*k8s\.delete-pod[\s\S]*Policy: allow \(default posture is allow\)\nFinal: APPROVE \(set by shield\)/);
    const ej = JSON.parse((await run('policy', 'explain', '--agent', 'ci-bot', '--server', 'kubernetes', '--tool', 'get_pods', '--json', '--config', config)).text) as { decision: { rule: string }; final: { effect: string } };
    assert.deepEqual([ej.decision.rule, ej.final.effect], ['k8s-read', 'allow']);

    const v = await run('policy', 'versions', '--config', config);
    assert.match(v.text, /3\s+\S+ \S+\s+rollback \(to 1\)\s+alice/);
    const rb = await run('policy', 'rollback', '2', '--actor', 'bob', '--config', config);
    assert.match(rb.text, /now version 4/);
    const bad = await run('policy', 'test', '--candidate', 'missing.yaml', '--config', config);
    assert.equal(bad.code, 2);
    writeFileSync(join(dir, 'bad.yaml'), 'policies:\n  rules:\n    - { id: r, effect: allow, approvers: 2 }\n');
    const invalid = await run('policy', 'test', '--candidate', 'bad.yaml', '--config', config);
    assert.match(invalid.err, /bad\.yaml: policies\.rules\[0\] "r": approvers: "approvers" needs effect approve/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
