import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.ts';
import { createAuditWriter } from '../../src/audit/audit.writer.ts';
import { createApprovalService, callHash } from '../../src/approvals/approvals.service.ts';
import { silentLogger } from '../../src/lib/logger.ts';

const user = (id: string) => ({ type: 'user' as const, id, name: `${id}@example.com` });

test('N of M: two distinct approvers are needed; a second vote by the same person is refused; one denial ends it', async () => {
  const store = await openStore({ data: 'memory://' });
  await store.query(`INSERT INTO orgs (id, name) VALUES ('o1', 'o1')`);
  const audit = createAuditWriter({ store });
  const svc = createApprovalService({ store, audit, notifiers: [], logger: silentLogger });
  await svc.start();
  try {
    const base = { orgId: 'o1', server: 's', tool: 't', agentId: 'agt_1', agentName: 'bot', sessionId: 'sess', requiredApprovals: 2 };
    const r = await svc.create({ ...base, callId: 'c1', arguments: { a: 1 } });
    assert.equal(r.callHash, callHash('s', 't', { a: 1 }));
    const waiting = svc.wait(r.id);
    const first = await svc.decide('o1', r.id, user('u1'), { action: 'approve', channel: 'web' });
    assert.equal(first.final, false);
    assert.equal(first.request.approvals, 1);
    await assert.rejects(svc.decide('o1', r.id, user('u1'), { action: 'approve', channel: 'web' }), /already voted/);
    await assert.rejects(svc.decide('o1', r.id, user('agt_1'), { action: 'approve', channel: 'web' }), /own request/);
    await assert.rejects(svc.decide('o2', r.id, user('u2'), { action: 'approve', channel: 'web' }), /no such approval/);
    const second = await svc.decide('o1', r.id, user('u2'), { action: 'approve_session', channel: 'slack' });
    assert.equal(second.final, true);
    assert.equal((await waiting).state, 'approved');
    assert.equal(await svc.sessionGranted('o1', 'sess', 's', 't'), r.id);
    assert.equal(await svc.sessionGranted('o1', 'sess', 's', 'other'), undefined);

    const d = await svc.create({ ...base, callId: 'c2', arguments: { a: 2 } });
    await svc.decide('o1', d.id, user('u1'), { action: 'approve', channel: 'web' });
    await svc.decide('o1', d.id, user('u3'), { action: 'deny', channel: 'telegram', reason: 'no' });
    const done = (await svc.get('o1', d.id))!;
    assert.equal(done.state, 'denied');
    assert.equal(done.decisionReason, 'no');
    await assert.rejects(svc.decide('o1', d.id, user('u4'), { action: 'approve', channel: 'web' }), /already denied/);
  } finally {
    await svc.stop();
    await audit.close();
    await store.close();
  }
});
