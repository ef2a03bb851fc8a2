import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startSecretsRig, assertNoLeak, type SecretsRig } from './harness.ts';
import { connectClient } from '../helpers/client.ts';
import type { Browser } from '../identity/harness.ts';

// Grants as data through the REST API, enforced on real MCP calls (echo-env upstream),
// together with the config's grants; and org B, which cannot use or detect org A's names.
let rig: SecretsRig;
let owner: Browser;
let home: string;
let outsider: Browser;
let orgB: string;
const A_VALUE = `org-a-db-${randomBytes(9).toString('base64url')}`;
const B_VALUE = `org-b-db-${randomBytes(9).toString('base64url')}`;
const CONFIG_VALUE = `cfg-granted-${randomBytes(9).toString('base64url')}`;
const api = (org: string, rest = '') => `/api/v1/orgs/${org}/secrets${rest}`;

type CallResult = { structuredContent?: { args: Record<string, unknown> }; isError?: boolean; content?: { text?: string }[] };

async function call(token: string, tool: string, args: Record<string, unknown>): Promise<{ ok: true; res: CallResult } | { ok: false; message: string }> {
  const c = await connectClient(`${rig.url}/mcp/echo`, token);
  try {
    const res = (await c.client.callTool({ name: tool, arguments: args })) as CallResult;
    if (res.isError) return { ok: false, message: res.content?.map((x) => x.text).join(' ') ?? '' };
    return { ok: true, res };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  } finally {
    await c.close();
  }
}

before(async () => {
  rig = await startSecretsRig({ secrets: { grants: [{ secret: 'CFG_*', agents: ['cfg-bot'], servers: ['echo'] }] } });
  const u = await rig.signUp();
  owner = u.browser;
  home = u.orgs[0]!.id;
  const o = await rig.signUp();
  outsider = o.browser;
  orgB = (await outsider.req('POST', '/api/v1/orgs', { name: `org-b-${Date.now()}` })).body.org.id;
  assert.equal((await owner.req('PUT', api(home, '/DB_PASS'), { value: A_VALUE })).status, 201);
  assert.equal((await owner.req('PUT', api(home, '/CFG_TOKEN'), { value: CONFIG_VALUE })).status, 201);
});
after(async () => {
  await rig?.close();
});

test('a grant by agent label, server and tool is added, enforced, listed with the config grants, removed, and audited', async () => {
  const ops = (await rig.fl.agents.create(home, 'ops-bot', { labels: { team: 'ops' } })).token;
  const dev = (await rig.fl.agents.create(home, 'dev-bot', { labels: { team: 'dev' } })).token;
  const before = await call(ops, 'echo', { cmd: 'psql {{secret:DB_PASS}}' });
  assert.equal(before.ok, false, 'no grant yet');
  assert.match((before as { message: string }).message, /"DB_PASS" is not available to agent "ops-bot" on server "echo"/);

  const bad = await owner.req('POST', api(home, '/_grants'), { secret: 'DB_*', servers: ['echo'] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /agents or agentLabels/);
  const added = await owner.req('POST', api(home, '/_grants'), { secret: 'DB_*', agentLabels: { team: 'ops' }, servers: ['ech?'], tools: ['echo'], note: 'ops may reach the db' });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const grant = added.body.grant;
  assert.deepEqual([grant.secret, grant.agentLabels, grant.servers, grant.tools, grant.source], ['DB_*', { team: 'ops' }, ['ech?'], ['echo'], 'org']);

  const ok = await call(ops, 'echo', { cmd: 'psql {{secret:DB_PASS}}' });
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal((ok as { res: CallResult }).res.structuredContent!.args.cmd, 'psql [secret:DB_PASS]', 'the upstream got the value; the agent sees the label');
  assertNoLeak(JSON.stringify(ok), A_VALUE, 'the result');
  assert.equal((await call(ops, 'fail', { x: '{{secret:DB_PASS}}' })).ok, false, 'another tool is not granted');
  assert.match(((await call(dev, 'echo', { x: '{{secret:DB_PASS}}' })) as { message: string }).message, /not available to agent "dev-bot"/);

  // Config grants apply alongside the org's, and are listed read-only.
  const cfg = (await rig.fl.agents.create(home, 'cfg-bot')).token;
  assert.ok((await call(cfg, 'echo', { t: '{{secret:CFG_TOKEN}}' })).ok);
  assert.equal((await call(cfg, 'echo', { t: '{{secret:DB_PASS}}' })).ok, false);
  const listed = (await owner.req('GET', api(home, '/_grants'))).body;
  assert.deepEqual(listed.grants.map((g: { id: string }) => g.id), [grant.id]);
  assert.deepEqual(listed.config.map((g: { secret: string; source: string }) => [g.secret, g.source]), [['CFG_*', 'config']]);

  // Usage: the list counts uses; the usage view names call, agent, server and tool.
  const row = (await owner.req('GET', api(home))).body.secrets.find((s: { name: string }) => s.name === 'DB_PASS');
  assert.equal(row.useCount, 1);
  assert.ok(row.lastUsedAt);
  const uses = (await owner.req('GET', api(home, '/DB_PASS/usage'))).body.uses;
  assert.equal(uses.length, 1);
  assert.equal(uses[0].agentName, 'ops-bot');
  assert.deepEqual([uses[0].server, uses[0].tool, uses[0].method, uses[0].version], ['echo', 'echo', 'argument', 1]);
  assert.match(uses[0].callId, /\S/);

  const removed = await owner.req('DELETE', api(home, `/_grants/${grant.id}`));
  assert.equal(removed.status, 200);
  assert.equal((await call(ops, 'echo', { x: '{{secret:DB_PASS}}' })).ok, false, 'a removed grant applies to the next call');
  assert.equal((await owner.req('DELETE', api(home, `/_grants/${grant.id}`))).status, 404);
  const events = await rig.store.query<{ kind: string; data: { grant_id: string; agent_labels?: Record<string, string>; tools?: string[] } }>("SELECT kind, data FROM audit_events WHERE kind LIKE 'secret.grant.%'");
  const mine = events.filter((e) => e.data.grant_id === grant.id);
  assert.deepEqual(mine.map((e) => e.kind), ['secret.grant.added', 'secret.grant.removed']);
  assert.deepEqual(mine[0]!.data.agent_labels, { team: 'ops' });
  assert.deepEqual(mine[0]!.data.tools, ['echo']);
});

test("cross-org: org B's agent cannot use or detect org A's names, even with a matching grant; its own name resolves to its own value", async () => {
  // Org B grants its agent everything: still, names resolve only in org B.
  const g = await outsider.req('POST', api(orgB, '/_grants'), { secret: '*', agents: ['*'], servers: ['*'] });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  const tokenB = (await rig.fl.agents.create(orgB, 'ops-bot', { labels: { team: 'ops' } })).token;
  const existing = await call(tokenB, 'echo', { x: '{{secret:DB_PASS}}' });
  const never = await call(tokenB, 'echo', { x: '{{secret:NO_SUCH_NAME}}' });
  assert.equal(existing.ok, false);
  assert.equal(never.ok, false);
  assert.equal((existing as { message: string }).message.replaceAll('DB_PASS', 'N'), (never as { message: string }).message.replaceAll('NO_SUCH_NAME', 'N'));
  // B's grant list and secret list show nothing of A.
  assert.deepEqual((await outsider.req('GET', api(orgB))).body.secrets, []);
  assert.ok(!JSON.stringify((await outsider.req('GET', api(orgB, '/_grants'))).body).includes('DB_'));
  // B's own DB_PASS is a different secret.
  assert.equal((await outsider.req('PUT', api(orgB, '/DB_PASS'), { value: B_VALUE })).status, 201);
  const own = await call(tokenB, 'echo', { x: '{{secret:DB_PASS}}' });
  assert.ok(own.ok, JSON.stringify(own));
  assert.equal((await rig.fl.secrets.resolver.resolve(orgB, 'DB_PASS'))?.value, B_VALUE);
  assert.equal((await rig.fl.secrets.resolver.resolve(home, 'DB_PASS'))?.value, A_VALUE);
  // A's usage did not count B's call; B's denial was audited in B.
  assert.equal((await owner.req('GET', api(home, '/DB_PASS/usage'))).body.uses.length, 1);
  const denied = await rig.store.query<{ org_id: string }>("SELECT org_id FROM audit_events WHERE kind = 'secret.denied' AND data->>'agent_id' IN (SELECT id FROM agents WHERE org_id = $1)", [orgB]);
  assert.ok(denied.length >= 2 && denied.every((d) => d.org_id === orgB));
  assertNoLeak(rig.logs(), A_VALUE, 'the logs');
  assertNoLeak(rig.logs(), B_VALUE, 'the logs');
});
