import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHookFlowLink, runHookProcess, fixture } from './helpers.ts';

// With the approval queue on, a hook waits for the human instead of answering "ask".
test('claude-code: a force push waits in the approval queue; an approval lets the hook answer allow, a denial answers deny', async () => {
  const fl = await startHookFlowLink({ approvals: true });
  try {
    const queue = fl.fl.approvals!.service;
    const approver = { type: 'user' as const, id: 'usr_approver', name: 'olga@example.com' };
    for (const [action, expected] of [['approve', 'allow'], ['deny', 'deny']] as const) {
      const hook = runHookProcess(['claude-code'], fixture('claude-code.bash-force-push.json'), { FLOWLINK_URL: fl.url, FLOWLINK_TOKEN: fl.token });
      let pending: { id: string } | undefined;
      for (const deadline = Date.now() + 15_000; !pending && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 100));
        pending = (await queue.list(fl.orgId, { state: 'pending' }))[0];
      }
      assert.ok(pending, 'the hook call is waiting in the queue');
      await queue.decide(fl.orgId, pending.id, approver, action === 'approve' ? { action: 'approve', channel: 'web' } : { action: 'deny', channel: 'web', reason: 'not on a Friday' });
      const out = (await hook).json as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason?: string } };
      assert.equal(out.hookSpecificOutput.permissionDecision, expected);
      if (action === 'deny') assert.match(out.hookSpecificOutput.permissionDecisionReason ?? '', /not on a Friday/);
    }
  } finally {
    await fl.stop();
  }
});
