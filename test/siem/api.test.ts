import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startFakeWebhook } from '../fakes/siem/webhook.ts';
import { startSiemRig, type SiemRig } from './rig.ts';

// The status REST route and metrics on a real FlowLink with a config sink.
const SECRET = `whsec-${randomBytes(16).toString('hex')}`;
const ENV = 'SIEMTEST_WEBHOOK_SECRET';
let rig: SiemRig;
let hook: Awaited<ReturnType<typeof startFakeWebhook>>;

before(async () => {
  process.env[ENV] = SECRET;
  hook = await startFakeWebhook(SECRET);
  rig = await startSiemRig({ pollInterval: 50, retryBase: 20, retryMax: 200, sinks: [{ type: 'webhook', name: 'soc', url: `${hook.url}?token=url-credential`, secret: { env: ENV }, kinds: ['agent.*', 'gateway.*'] }] });
});
after(async () => {
  await rig?.close();
  await hook?.close();
  delete process.env[ENV];
});

const sinksUrl = (org: string) => `/api/v1/orgs/${org}/siem/sinks`;
const created = (org: string, name: string) => rig.fl.audit.append({ orgId: org, kind: 'agent.created', actor: { type: 'user', id: 'cli' }, outcome: 'success', data: { agent_id: `a_${name}`, name } });

test('an owner of the default org sees each sink with its target, lag and delivery; events arrive', async () => {
  const owner = await rig.user();
  assert.equal(owner.orgId, rig.homeOrg, 'the first account owns the default organization');
  for (let i = 0; i < 3; i++) await created(rig.homeOrg, `bot-${i}`);
  const until = Date.now() + 10_000;
  while (hook.received.filter((e) => e.kind === 'agent.created').length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  assert.deepEqual(hook.received.filter((e) => e.kind === 'agent.created').map((e) => e.org_id), [rig.homeOrg, rig.homeOrg, rig.homeOrg]);

  // The receiver has them before FlowLink records the delivery: wait for the cursor too.
  while ((await rig.fl.siem.forOrg(rig.homeOrg))[0]!.delivered_total < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  const r = await owner.browser.req('GET', sinksUrl(owner.orgId));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.scope, 'installation');
  const [s] = r.body.sinks;
  assert.equal(s.name, 'soc');
  assert.equal(s.type, 'webhook');
  assert.equal(s.target, `${new URL(hook.url).origin}/hook`, 'no query string or credentials in the target');
  assert.deepEqual(s.filter, { kinds: ['agent.*', 'gateway.*'], minSeverity: null });
  assert.ok(s.delivered_seq >= 3 && s.head_seq >= s.delivered_seq);
  assert.equal(s.last_error, null);
  assert.ok(s.delivered_total >= 3);
  assert.match(String(s.last_success_at), /^\d{4}-\d\d-\d\dT/);
  assert.doesNotMatch(JSON.stringify(r.body), new RegExp(`${SECRET}|url-credential`));
});

test('another org sees the installation sinks with its own delivery state only, and no target; a viewer is refused', async () => {
  const other = await rig.user();
  assert.notEqual(other.orgId, rig.homeOrg);
  const r = await other.browser.req('GET', sinksUrl(other.orgId));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const [s] = r.body.sinks;
  assert.equal(s.name, 'soc');
  assert.equal('target' in s, false);
  assert.equal(s.delivered_total, 0, "the default org's deliveries are not counted here");
  const viewer = await rig.user(other.orgId, 'viewer');
  const denied = await viewer.browser.req('GET', sinksUrl(other.orgId));
  assert.equal(denied.status, 403);
  assert.match(denied.body.error.message, /audit\.read/);
  const cross = await other.browser.req('GET', sinksUrl(rig.homeOrg));
  assert.ok(cross.status === 403 || cross.status === 404, `another org's status is refused (${cross.status})`);
});

test('Prometheus metrics show lag and state per sink; a sink that is down shows its error, and no secret is logged', async () => {
  hook.setDown(true);
  await created(rig.homeOrg, 'bot-down');
  const until = Date.now() + 10_000;
  let body = '';
  while (Date.now() < until) {
    body = await (await rig.fl.app.inject({ method: 'GET', url: '/metrics' })).body;
    if (/flowlink_siem_up\{sink="soc"\} 0/.test(body)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(body, /flowlink_siem_up\{sink="soc"\} 0/);
  assert.match(body, /flowlink_siem_lag_events\{sink="soc"\} [1-9]/);
  assert.match(body, /flowlink_siem_lag_seconds\{sink="soc"\} \d+/);
  assert.match(body, /flowlink_siem_send_failures_total\{sink="soc"\} [1-9]/);
  hook.setDown(false);
  const until2 = Date.now() + 10_000;
  while (!hook.received.some((e) => e.kind === 'agent.created' && e.raw.data && (e.raw.data as { name: string }).name === 'bot-down') && Date.now() < until2) await new Promise((r) => setTimeout(r, 25));
  assert.ok(hook.received.some((e) => (e.raw.data as { name?: string } | null)?.name === 'bot-down'), 'delivered once the receiver is back');
  assert.match(rig.logs(), /SIEM delivery failed/);
  assert.doesNotMatch(rig.logs(), new RegExp(`${SECRET}|url-credential`));
});
