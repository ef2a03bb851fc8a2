import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient } from '../helpers/client.ts';
import { privatePgUrl } from '../helpers/flowlink.ts';
import { startNode, person, pending, waitFor, opsServer, type Node } from './helpers.ts';
import { createApprovalService } from '../../src/approvals/approvals.service.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';
import { silentLogger } from '../../src/lib/logger.ts';

const log = join(mkdtempSync(join(tmpdir(), 'fl-approvals-inst-')), 'ops.log');
const PUSH = 'git push --force origin main';
const nodes: Node[] = [];
after(async () => {
  for (const n of nodes.reverse()) await n.stop().catch(() => {});
});

function call(url: string, token: string, command: string) {
  return connectClient(`${url}/mcp/ops`, token).then((c) => ({
    c,
    outcome: c.client.callTool({ name: 'run_command', arguments: { command } }, { timeout: 30_000 } as never).then(
      (r) => ({ ok: true as const, text: (r.content as { text: string }[])[0]!.text }),
      (err: Error) => ({ ok: false as const, message: err.message }),
    ),
  }));
}

test('two instances on one PostgreSQL: approved on B, the call held on A completes', async () => {
  const pgUrl = await privatePgUrl();
  const a = await startNode({ servers: { ops: opsServer(log) }, approvals: { heartbeat: '500ms' }, pgUrl });
  nodes.push(a);
  const b = await startNode({ servers: { ops: opsServer(log) }, approvals: { heartbeat: '500ms' }, pgUrl });
  nodes.push(b);
  const token = (await a.fl.agents.create(a.orgId, 'two-inst-bot')).token;
  const approver = await person(b, 'approver');
  const h = await call(a.url, token, `${PUSH} # two`);
  try {
    const r = await pending(b);
    assert.equal(r.instanceId, a.approvals.service.instanceId);
    const t0 = performance.now();
    const d = await approver.api('POST', `/v1/orgs/${b.orgId}/approvals/${r.id}/decision`, { action: 'approve' });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.deepEqual(await h.outcome, { ok: true, text: `ran: ${PUSH} # two` });
    assert.ok(performance.now() - t0 < 1000, 'released within a second');
  } finally {
    await h.c.close();
  }

  // The holding instance stops: its request ends failed, and the agent gets an error.
  const held = await call(a.url, token, `${PUSH} # restart`);
  const r2 = await pending(b);
  await a.stop();
  nodes.splice(nodes.indexOf(a), 1);
  assert.equal((await held.outcome).ok, false);
  assert.equal((await b.approvals.service.get(b.orgId, r2.id))!.state, 'failed');
  await held.c.close().catch(() => {});

  // An instance that died without stopping: the survivors fail what it held.
  const dead = createApprovalService({ store: b.store, audit: b.fl.audit, notifiers: [], logger: silentLogger, instanceId: 'inst_dead' });
  const orphan = await dead.create({ orgId: b.orgId, callId: 'c1', server: 'ops', tool: 'run_command', arguments: { command: 'x' }, agentId: 'agt_x', agentName: 'x', sessionId: null });
  await b.approvals.service.sweep();
  assert.equal((await b.approvals.service.get(b.orgId, orphan.id))!.state, 'failed');
  const events = await auditRepo.events(b.store, b.orgId, 1, 10_000);
  assert.ok(events.some((e) => e.kind === 'approval.failed' && (e.data as { request_id: string }).request_id === orphan.id));
});

test('expiry denies the call; an unanswered request escalates first', async () => {
  const n = await startNode({ servers: { ops: opsServer(log) }, approvals: { expiry: '1500ms', heartbeat: '100ms', escalation: { after: '300ms', to: 'sre-leads' } } });
  nodes.push(n);
  const token = (await n.fl.agents.create(n.orgId, 'expiry-bot')).token;
  const h = await call(n.url, token, `${PUSH} # expire`);
  try {
    const r = await pending(n);
    await waitFor(async () => (await n.approvals.service.get(n.orgId, r.id))!.escalatedAt ?? undefined, 3000, 'escalation');
    const o = await h.outcome;
    assert.equal(o.ok, false);
    assert.match((o as { message: string }).message, /expired without a decision/);
    assert.equal((await n.approvals.service.get(n.orgId, r.id))!.state, 'expired');
    const kinds = (await auditRepo.events(n.store, n.orgId, 1, 10_000)).filter((e) => (e.data as { request_id?: string }).request_id === r.id).map((e) => e.kind);
    assert.ok(kinds.includes('approval.escalated') && kinds.includes('approval.expired'), kinds.join(','));
  } finally {
    await h.c.close();
  }
});
