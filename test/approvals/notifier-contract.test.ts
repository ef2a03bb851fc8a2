import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Notifier } from '../../src/notifiers/notifier.ts';
import type { ApprovalRequest } from '../../src/approvals/approvals.types.ts';
import { createSlackNotifier } from '../../src/notifiers/slack/slack.notifier.ts';
import { createTelegramBot } from '../../src/notifiers/telegram/telegram.notifier.ts';
import { startFakeSlack } from '../fakes/slack.ts';
import { startFakeTelegram } from '../fakes/telegram.ts';

const request: ApprovalRequest = {
  id: 'apr_contract1', orgId: 'o1', callId: 'c1', callHash: 'a'.repeat(64), server: 'ops', tool: 'run_command', arguments: { command: 'git push --force origin main' },
  agentId: 'agt_1', agentName: 'deploy-bot', requesterUserId: null, sessionId: 's1', risk: 70, reasons: [{ rule: 'git.force-push-protected', message: 'force push' }],
  policyRule: null, policyReason: null, requiredApprovals: 1, approvals: 0, state: 'pending', scope: null, decidedBy: null, decidedByName: null, decidedChannel: null,
  decisionReason: null, instanceId: 'i1', refs: {}, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString(), escalateAt: null, escalatedAt: null, decidedAt: null,
};

/** What every channel must do, observed through its fake: post with four actions, then show the outcome on that same message. */
interface Harness {
  notifier: Notifier;
  posted(): { text: string; actions: number; edits: string[] }[];
  close(): Promise<void>;
}

const channels: [string, () => Promise<Harness>][] = [
  ['slack', async () => {
    const fake = await startFakeSlack({ token: 'xoxb-c', signingSecret: 's' });
    return {
      notifier: createSlackNotifier({ token: 'xoxb-c', channel: 'C1', apiUrl: fake.apiUrl, escalationChannel: 'C-ESC' }),
      posted: () => fake.messages.map((m) => ({ text: m.text, actions: m.blocks.flatMap((b) => b.elements ?? []).length, edits: m.updates.map((u) => u.text) })),
      close: fake.close,
    };
  }],
  ['telegram', async () => {
    const fake = await startFakeTelegram({ token: '1:c' });
    return {
      notifier: createTelegramBot({ token: '1:c', chatId: -100, apiRoot: fake.apiRoot, escalationChatId: -200 }).notifier,
      posted: () => fake.messages.map((m) => ({ text: m.text, actions: m.reply_markup!.inline_keyboard.flat().length, edits: m.edits })),
      close: fake.close,
    };
  }],
];

for (const [name, make] of channels) {
  test(`notifier contract: ${name}`, async () => {
    const h = await make();
    try {
      const ref = await h.notifier.notify(request);
      assert.ok(ref && typeof ref === 'object', 'notify returns a message reference');
      const escRef = await h.notifier.notify(request, { escalatedTo: 'sre-leads' });
      const posts = h.posted();
      assert.equal(posts.length, 2);
      assert.match(posts[0]!.text, /deploy-bot wants to call ops\/run_command/);
      assert.equal(posts[0]!.actions, 4, 'approve once, approve for session, deny, always allow');
      assert.match(posts[1]!.text, /Escalated to sre-leads/);
      await h.notifier.update({ ...request, state: 'denied', refs: { [name]: ref, [`${name}.escalation`]: escRef } }, { state: 'denied', by: 'ann@example.com', reason: 'not now' });
      for (const p of h.posted()) assert.match(p.edits.at(-1) ?? '', /Denied by ann@example\.com: not now/);
      await h.notifier.update({ ...request, refs: {} }, { state: 'expired' }); // nothing posted: nothing to update, no error
    } finally {
      await h.close();
    }
  });
}
