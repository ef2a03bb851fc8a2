import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, servers, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';
import { people, type People } from '../shield-api/people.ts';

// Upstream servers and agents' "last seen" through the REST API (the console's Servers and
// Agents pages), on PostgreSQL: status for every org, tools with each org's own pins, and a
// restart reserved to admins of the default org.
let fl: Running;
let p: People;

before(async () => {
  fl = await startFlowLink({ servers: { everything: servers.everything, memory: { ...servers.memory, mode: 'per-session' } }, identity: { signup: 'open' } }, { postgres: true });
  p = await people(fl);
});
after(async () => {
  await fl?.stop();
});

const A = (path: string) => `/api/v1/orgs/${p.home}${path}`;
const B = (path: string) => `/api/v1/orgs/${p.other}${path}`;

test('every org sees the servers with status and labels; tools carry only its own pins', async () => {
  const list = await p.viewer.req('GET', A('/servers'));
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.deepEqual(list.body.servers.map((s: { name: string }) => s.name).sort(), ['everything', 'memory']);
  const mem = list.body.servers.find((s: { name: string }) => s.name === 'memory');
  assert.equal(mem.mode, 'per-session');

  // An agent of org A lists the tools: they are pinned for org A only.
  const c = await connectClient(`${fl.url}/mcp/everything`, fl.token);
  try {
    assert.ok((await c.client.listTools()).tools.some((t) => t.name === 'echo'));
  } finally {
    await c.close();
  }
  const a = await p.viewer.req('GET', A('/servers/everything'));
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.toolsSource, 'live');
  assert.equal(a.body.server.state, 'ready');
  assert.equal(a.body.server.serverInfo.name.length > 0, true);
  const echo = a.body.tools.find((t: { name: string }) => t.name === 'echo');
  assert.equal(echo.pin.status, 'approved');
  assert.equal(echo.pin.changed, false);
  assert.match(echo.pin.hash, /^[0-9a-f]{64}$/);
  assert.equal(a.body.tools.filter((t: { pin: unknown }) => t.pin === null).length, 0);
  assert.ok((await p.viewer.req('GET', A('/servers'))).body.servers.find((s: { name: string }) => s.name === 'everything').pins.approved > 0);

  const b = await p.outsider.req('GET', B('/servers/everything'));
  assert.equal(b.status, 200);
  assert.ok(b.body.tools.length > 0);
  assert.ok(b.body.tools.every((t: { pin: unknown }) => t.pin === null), "org B sees no pin of org A's");
  assert.equal((await p.outsider.req('GET', B('/servers'))).body.servers.find((s: { name: string }) => s.name === 'everything').pins.approved, 0);
  assert.equal((await p.outsider.req('GET', A('/servers/everything'))).status, 404, 'not a member of org A');

  const unknown = await p.viewer.req('GET', A('/servers/nope'));
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.error.message, /no server named "nope"/);
});

test("tools show how many of the org's agents policy and scopes let see them", async () => {
  const made = await p.owner.req('POST', A('/agents'), { name: `scoped-${Date.now()}`, scopes: { servers: ['memory'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const r = await p.owner.req('GET', A('/servers/everything'));
  const echo = r.body.tools.find((t: { name: string }) => t.name === 'echo');
  assert.equal(echo.agents.of, 2);
  assert.equal(echo.agents.visibleTo, 1, 'the agent scoped to memory cannot see it');
  const mem = await p.owner.req('GET', A('/servers/memory'));
  assert.equal(mem.body.toolsSource, 'pins', 'per-session servers are not started just to be listed');
});

test('restart: viewers cannot, other orgs cannot, an admin of the default org can (audited)', async () => {
  const viewer = await p.viewer.req('POST', A('/servers/everything/restart'));
  assert.equal(viewer.status, 403);
  const outsider = await p.outsider.req('POST', B('/servers/everything/restart'));
  assert.equal(outsider.status, 403);
  assert.match(outsider.body.error.message, /default organization/);
  const before = (await p.owner.req('GET', A('/servers'))).body.servers.find((s: { name: string }) => s.name === 'everything');
  const r = await p.owner.req('POST', A('/servers/everything/restart'));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.server.state, 'ready', 'started again');
  const pidCheck = await connectClient(`${fl.url}/mcp/everything`, fl.token);
  try {
    const res = await pidCheck.client.callTool({ name: 'echo', arguments: { message: 'after restart' } });
    assert.match(JSON.stringify(res.content), /after restart/);
  } finally {
    await pidCheck.close();
  }
  assert.ok(before.state === 'ready');
  const perSession = await p.owner.req('POST', A('/servers/memory/restart'));
  assert.equal(perSession.status, 409);
  assert.match(perSession.body.error.message, /per agent session/);
  const audited = await fl.fl.store.query<{ data: { server: string } }>("SELECT data FROM audit_events WHERE org_id = $1 AND kind = 'server.restarted'", [p.home]);
  assert.deepEqual(audited.map((e) => e.data.server), ['everything']);
});

test("an agent's last seen is set when it authenticates, and returned by the agents list", async () => {
  const made = await p.owner.req('POST', A('/agents'), { name: `seen-${Date.now()}` });
  const id = made.body.agent.id as string;
  const listed = async () => (await p.viewer.req('GET', A('/agents'))).body.agents.find((a: { id: string }) => a.id === id);
  assert.equal((await listed()).lastSeenAt, null);
  const c = await connectClient(`${fl.url}/mcp/everything`, made.body.token);
  try {
    await c.client.listTools();
  } finally {
    await c.close();
  }
  let seen: string | null = null;
  for (let i = 0; i < 100 && !seen; i++) {
    seen = (await listed()).lastSeenAt;
    if (!seen) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(seen, 'lastSeenAt was written');
  assert.ok(Math.abs(Date.parse(seen!) - Date.now()) < 60_000);
});
