import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient } from '../helpers/client.ts';
import { startNode, person, pending, waitFor, opsServer, type Node } from './helpers.ts';
import { startFakeSlack } from '../fakes/slack.ts';
import { startFakeTelegram } from '../fakes/telegram.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';
import { callHash } from '../../src/approvals/approvals.service.ts';

const log = join(mkdtempSync(join(tmpdir(), 'fl-approvals-')), 'ops.log');
const SLACK = { token: 'xoxb-test', signingSecret: 'slack-signing-secret' };
const TG = { token: '123:telegram-test', webhookSecret: 'tg-hook-secret' };
let node: Node;
let slack: Awaited<ReturnType<typeof startFakeSlack>>;
let tg: Awaited<ReturnType<typeof startFakeTelegram>>;
let owner: Awaited<ReturnType<typeof person>>;
let approver: Awaited<ReturnType<typeof person>>;
let token: string;

const PUSH = 'git push --force origin main';
const arrived = (needle: string) => existsSync(log) && readFileSync(log, 'utf8').includes(needle);

before(async () => {
  slack = await startFakeSlack(SLACK);
  tg = await startFakeTelegram({ token: TG.token });
  node = await startNode({
    servers: { ops: opsServer(log) },
    approvals: { progressInterval: '200ms', slack: { ...SLACK, channel: 'C-APPROVALS', apiUrl: slack.apiUrl }, telegram: { ...TG, chatId: -1001, apiRoot: tg.apiRoot } },
  });
  token = (await node.fl.agents.create(node.orgId, 'deploy-bot')).token;
  owner = await person(node, 'owner');
  approver = await person(node, 'approver');
});
after(async () => {
  await node?.stop();
  await slack?.close();
  await tg?.close();
});

async function client() {
  return connectClient(`${node.url}/mcp/ops`, token);
}

/** Starts a held call; resolves to its outcome (result or error) without throwing. */
function hold(c: Awaited<ReturnType<typeof client>>, command: string, opts: { signal?: AbortSignal } = {}) {
  const progress: unknown[] = [];
  const outcome = c.client
    .callTool({ name: 'run_command', arguments: { command } }, { onprogress: (p: unknown) => progress.push(p), resetTimeoutOnProgress: true, timeout: 30_000, ...opts } as never)
    .then((r) => ({ ok: true as const, text: (r.content as { text: string }[])[0]!.text }), (err: Error) => ({ ok: false as const, message: err.message }));
  return { outcome, progress };
}

test('a held call waits with progress, is approved through the API, and the agent gets the real result', async () => {
  const c = await client();
  try {
    const h = hold(c, `${PUSH} # api`);
    const r = await pending(node);
    assert.equal(r.tool, 'run_command');
    assert.equal(r.callHash, callHash('ops', 'run_command', { command: `${PUSH} # api` }));
    assert.ok(r.risk !== null && r.reasons.some((x) => x.rule === 'git.force-push-protected'));
    await waitFor(() => h.progress.length >= 2 || undefined, 5000, 'progress notifications');
    assert.equal(arrived(`${PUSH} # api`), false, 'not run before approval');
    const view = await approver.api('GET', `/v1/orgs/${node.orgId}/approvals/${r.id}`);
    assert.equal(view.status, 200);
    assert.ok(Array.isArray(view.body.history));
    const d = await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${r.id}/decision`, { action: 'approve', callHash: r.callHash });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.deepEqual(await h.outcome, { ok: true, text: `ran: ${PUSH} # api` });
    const events = await auditRepo.events(node.store, node.orgId, 1, 10_000);
    const kinds = events.filter((e) => (e.data as { request_id?: string }).request_id === r.id).map((e) => e.kind);
    for (const k of ['approval.requested', 'approval.notified', 'approval.viewed', 'approval.approved']) assert.ok(kinds.includes(k), `${k} in ${kinds}`);
    const approved = events.find((e) => e.kind === 'approval.approved' && (e.data as { request_id: string }).request_id === r.id)!;
    assert.equal(approved.actor_id, approver.id);
    assert.equal((approved.data as { channel: string }).channel, 'web');
  } finally {
    await c.close();
  }
});

test('a denial reaches the agent with the approver and the reason; viewers may not decide', async () => {
  const c = await client();
  const viewer = await person(node, 'viewer');
  try {
    const h = hold(c, `${PUSH} # deny`);
    const r = await pending(node);
    const v = await viewer.api('POST', `/v1/orgs/${node.orgId}/approvals/${r.id}/decision`, { action: 'approve' });
    assert.equal(v.status, 403);
    assert.equal((await viewer.api('GET', `/v1/orgs/${node.orgId}/approvals?state=pending`)).body.approvals.length, 1, 'viewers read');
    await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${r.id}/decision`, { action: 'deny', reason: 'not on a Friday' });
    const o = await h.outcome;
    assert.equal(o.ok, false);
    assert.match((o as { message: string }).message, new RegExp(`Denied by ${approver.email.replace('.', '\\.')}: not on a Friday`));
    assert.equal(arrived(`${PUSH} # deny`), false);
  } finally {
    await c.close();
  }
});

test('Slack: a signed button click approves; the message is updated; forged and stale signatures are refused', async () => {
  const slackUser = 'U0APPROVER';
  assert.equal((await owner.api('PUT', `/v1/orgs/${node.orgId}/approvals-links/slack`, { userId: approver.id, slackUserId: slackUser })).status, 200);
  const c = await client();
  try {
    const h = hold(c, `${PUSH} # slack`);
    const r = await pending(node);
    const msg = await waitFor(() => slack.messages.find((m) => m.text.includes(r.id)), 5000, 'slack message');
    const url = `${node.url}/api/v1/integrations/slack/interactions`;
    const forged = await slack.click(url, { message: msg, slackUserId: slackUser, actionId: 'approve', secret: 'wrong-secret' });
    assert.equal(forged.status, 401);
    const stale = await slack.click(url, { message: msg, slackUserId: slackUser, actionId: 'approve', timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    assert.equal(stale.status, 401);
    const unlinked = await slack.click(url, { message: msg, slackUserId: 'U0STRANGER', actionId: 'approve' });
    assert.equal(unlinked.status, 200);
    assert.match(unlinked.body.text!, /not linked/);
    assert.equal((await node.approvals.service.get(node.orgId, r.id))!.state, 'pending', 'still pending after forged, stale and unlinked clicks');
    const ok = await slack.click(url, { message: msg, slackUserId: slackUser, actionId: 'approve' });
    assert.equal(ok.status, 200);
    assert.deepEqual(await h.outcome, { ok: true, text: `ran: ${PUSH} # slack` });
    await waitFor(() => msg.updates.length > 0 || undefined, 5000, 'slack message update');
    assert.match(msg.updates[0]!.text, new RegExp(`Approved by ${approver.email.replace('.', '\\.')}`));
  } finally {
    await c.close();
  }
});

test('Telegram: a linked approver presses Approve; unlinked users are refused; the message is edited', async () => {
  const hook = `${node.url}/api/v1/integrations/telegram/webhook`;
  const code = await approver.api('POST', `/v1/orgs/${node.orgId}/approvals-links/telegram-code`);
  assert.equal(code.status, 200);
  assert.equal(await tg.sendText(hook, 'wrong-secret', 4242, `/link ${code.body.code}`), 401);
  assert.equal(await tg.sendText(hook, TG.webhookSecret, 4242, `/link ${code.body.code}`), 200);
  assert.match(tg.replies.at(-1)!.text, /Linked/);
  assert.equal(await tg.sendText(hook, TG.webhookSecret, 5555, `/link ${code.body.code}`), 200);
  assert.match(tg.replies.at(-1)!.text, /unknown, used or expired/, 'a code links once');
  const c = await client();
  try {
    const h = hold(c, `${PUSH} # telegram`);
    const r = await pending(node);
    const msg = await waitFor(() => tg.messages.find((m) => m.text.includes(r.id)), 5000, 'telegram message');
    const approve = msg.reply_markup!.inline_keyboard.flat().find((b) => b.text === 'Approve once')!;
    const stranger = await tg.press(hook, TG.webhookSecret, { message: msg, fromId: 5555, data: approve.callback_data });
    assert.equal(stranger.status, 200);
    assert.match(stranger.answer()!.text!, /not linked/);
    assert.equal((await node.approvals.service.get(node.orgId, r.id))!.state, 'pending');
    const ok = await tg.press(hook, TG.webhookSecret, { message: msg, fromId: 4242, data: approve.callback_data });
    assert.equal(ok.status, 200);
    assert.deepEqual(await h.outcome, { ok: true, text: `ran: ${PUSH} # telegram` });
    await waitFor(() => msg.edits.length > 0 || undefined, 5000, 'telegram edit');
    assert.match(msg.edits[0]!, /Approved by/);
    const events = await auditRepo.events(node.store, node.orgId, 1, 10_000);
    assert.ok(events.some((e) => e.kind === 'approval.approved' && (e.data as { channel: string; request_id: string }).channel === 'telegram' && (e.data as { request_id: string }).request_id === r.id));
  } finally {
    await c.close();
  }
});

test('self-approval is refused: the person an agent acts for, and the agent token itself', async () => {
  const mine = await node.fl.agents.create(node.orgId, 'approver-own-bot', { labels: { user: approver.id } });
  const c = await connectClient(`${node.url}/mcp/ops`, mine.token);
  try {
    const h = hold(c, `${PUSH} # self`);
    const r = await pending(node);
    const self = await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${r.id}/decision`, { action: 'approve' });
    assert.equal(self.status, 403);
    assert.match(self.body.error.message, /own request/);
    const asAgent = await fetch(`${node.url}/api/v1/orgs/${node.orgId}/approvals/${r.id}/decision`, { method: 'POST', headers: { authorization: `Bearer ${mine.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'approve' }) });
    assert.equal(asAgent.status, 401);
    await owner.api('POST', `/v1/orgs/${node.orgId}/approvals/${r.id}/decision`, { action: 'deny', reason: 'cleanup' });
    assert.equal((await h.outcome).ok, false);
  } finally {
    await c.close();
  }
});

test('an approval cannot be replayed for a call with other arguments', async () => {
  const c = await client();
  try {
    const a = hold(c, `${PUSH} # first`);
    const ra = await pending(node);
    await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${ra.id}/decision`, { action: 'approve', callHash: ra.callHash });
    assert.equal((await a.outcome).ok, true);
    const b = hold(c, `${PUSH} --tags # second`);
    const rb = await pending(node);
    const replay = await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${rb.id}/decision`, { action: 'approve', callHash: ra.callHash });
    assert.equal(replay.status, 409);
    assert.match(replay.body.error.message, /different call/);
    const again = await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${ra.id}/decision`, { action: 'approve', callHash: ra.callHash });
    assert.equal(again.status, 409, 'a used approval is closed');
    const msgA = slack.messages.find((m) => m.text.includes(ra.id))!;
    const msgB = await waitFor(() => slack.messages.find((m) => m.text.includes(rb.id)), 5000, 'slack message B');
    const aValue = msgA.blocks.flatMap((x) => x.elements ?? []).find((e) => e.action_id === 'approve')!.value;
    const click = await slack.click(`${node.url}/api/v1/integrations/slack/interactions`, { message: msgB, slackUserId: 'U0APPROVER', actionId: 'approve', value: `${rb.id}|${aValue.split('|')[1]}` });
    assert.match(click.body.text!, /different call/);
    assert.equal((await node.approvals.service.get(node.orgId, rb.id))!.state, 'pending');
    assert.equal(arrived(`${PUSH} --tags # second`), false);
    await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${rb.id}/decision`, { action: 'deny', reason: 'replay test' });
    assert.equal((await b.outcome).ok, false);
  } finally {
    await c.close();
  }
});

test('approve for the session: later calls of that tool in the session pass; other sessions still wait', async () => {
  const c = await client();
  const other = await client();
  try {
    const a = hold(c, `${PUSH} # session-1`);
    const r = await pending(node);
    await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${r.id}/decision`, { action: 'approve_session' });
    assert.equal((await a.outcome).ok, true);
    assert.deepEqual(await hold(c, `${PUSH} # session-2`).outcome, { ok: true, text: `ran: ${PUSH} # session-2` });
    const o = hold(other, `${PUSH} # other-session`);
    const r2 = await pending(node);
    assert.notEqual(r2.id, r.id);
    await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${r2.id}/decision`, { action: 'deny', reason: 'other session' });
    assert.equal((await o.outcome).ok, false);
  } finally {
    await c.close();
    await other.close();
  }
});

test('cancelling the call withdraws the request', async () => {
  const c = await client();
  try {
    const ac = new AbortController();
    const h = hold(c, `${PUSH} # cancel`, { signal: ac.signal });
    const r = await pending(node);
    ac.abort();
    assert.equal((await h.outcome).ok, false);
    const done = await waitFor(async () => {
      const x = await node.approvals.service.get(node.orgId, r.id);
      return x?.state === 'cancelled' ? x : undefined;
    }, 5000, 'cancelled state');
    assert.equal(done.state, 'cancelled');
    assert.equal(arrived(`${PUSH} # cancel`), false);
  } finally {
    await c.close();
  }
});

test('always allow approves this call and records a suggested rule, not applied', async () => {
  const c = await client();
  try {
    const h = hold(c, `${PUSH} # always`);
    const r = await pending(node);
    const d = await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${r.id}/decision`, { action: 'always_allow' });
    assert.ok(d.body.suggestedRule);
    assert.equal((await h.outcome).ok, true);
    const rules = await approver.api('GET', `/v1/orgs/${node.orgId}/approvals-suggested-rules`);
    assert.equal(rules.body.rules[0].status, 'suggested');
    const next = hold(c, `${PUSH} # always-2`);
    const r2 = await pending(node);
    assert.notEqual(r2.id, r.id, 'the next call still waits: the rule is only a suggestion');
    await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${r2.id}/decision`, { action: 'deny', reason: 'x' });
    assert.equal((await next.outcome).ok, false);
  } finally {
    await c.close();
  }
});

test('live updates on the SSE stream', async () => {
  const ac = new AbortController();
  const res = await fetch(`${node.url}/api/v1/approvals/stream?orgId=${node.orgId}`, { headers: { cookie: approver.headers.cookie }, signal: ac.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  let text = '';
  const c = await client();
  try {
    const h = hold(c, `${PUSH} # sse`);
    const r = await pending(node);
    await approver.api('POST', `/v1/orgs/${node.orgId}/approvals/${r.id}/decision`, { action: 'deny', reason: 'sse' });
    await h.outcome;
    while (!text.includes(`"state":"denied"`)) text += new TextDecoder().decode((await reader.read()).value);
    assert.ok(text.includes(`{"id":"${r.id}","state":"pending"}`));
  } finally {
    ac.abort();
    await c.close();
  }
});
