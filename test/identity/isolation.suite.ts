import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { startFlowLink, type Running } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, type Api, type Res } from './harness.ts';
import { startFakeOAuth, type FakeOAuth } from '../fakes/oauth/server.ts';
import { startFakeSlack } from '../fakes/slack.ts';
import { populate, snapshotOf, type OrgFixture } from './isolation.populate.ts';
import { ROUTES, paramValue, type RouteEntry } from './isolation.routes.ts';

/**
 * The whole FlowLink (approvals, secrets, Shield, OAuth, every route module) with two
 * populated orgs. Every route in Fastify's own route table is tried with org B's
 * credentials against org A's ids; nothing of A may leak into an answer and nothing of A
 * may change. A route missing from the table in isolation.routes.ts fails the suite.
 */
const routes: { method: string; url: string }[] = [];
dc.subscribe('fastify.initialization', (msg) => {
  (msg as { fastify: FastifyInstance }).fastify.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD' && !routes.some((x) => x.method === m && x.url === r.url)) routes.push({ method: m, url: r.url });
  });
});

process.env.FLOWLINK_MASTER_KEY ??= randomBytes(32).toString('base64');
const rand = () => randomBytes(4).toString('hex');
/** Parameters that name one of A's objects: with them, even B's own org must refuse. */
const OBJECT_PARAMS = new Set(['agentId', 'userId', 'inviteId', 'keyId', 'sessionId', 'identityId', 'id', 'ref', 'callId', 'snapshotId', 'grantId']);

/** Registers the suite; `postgres` runs FlowLink on PostgreSQL (a private schema) instead of PGlite. */
export function isolationSuite(opts: { postgres: boolean }) {
  let fake: FakeOAuth;
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  let run: Running;
  let api: Api;
  let a: OrgFixture;
  let b: OrgFixture;

  function markersOf(x: OrgFixture): string[] {
    // (heldAgentName is not one: it is in the installation-wide policy, which every org reads.)
    return [x.orgName, x.agentName, x.ownerEmail, x.memberEmail, x.inviteEmail, x.keyPrefix, x.keySecret, x.agentToken, x.secretValue, x.callMarker, x.heldMarker];
  }

  function assertNoLeak(what: string, sent: string, text: string) {
    for (const m of markersOf(a)) if (!sent.includes(m)) assert.ok(!text.includes(m), `${what} leaked "${m}" of org A: ${text.slice(0, 300)}`);
  }

  async function linkGitHub(owner: Browser, tag: string) {
    fake.users.github = { id: String(7_000_000 + Math.floor(Math.random() * 1e6)), login: `${tag}-gh`, name: `${tag} gh`, emails: [{ email: `${tag}-gh-${rand()}@example.test`, verified: true, primary: true }] };
    const link = await owner.req('POST', '/api/v1/me/identities/github/link');
    assert.equal(link.status, 200, JSON.stringify(link.body));
    const cb = new URL((await fetch(link.body.authorizationUrl, { redirect: 'manual' })).headers.get('location')!);
    const done = await owner.req('GET', cb.pathname + cb.search);
    assert.equal(done.headers.location, '/console/account?linked=github');
  }

  before(async () => {
    fake = await startFakeOAuth();
    const slackSecret = `iso-signing-${rand()}`;
    slack = await startFakeSlack({ token: 'xoxb-iso', signingSecret: slackSecret });
    process.env.ISO_GH_SECRET = fake.clients.github.secret;
    const names = { a: { orgName: `alpha-org-${rand()}`, heldAgentName: `alpha-held-${rand()}` }, b: { orgName: `bravo-org-${rand()}`, heldAgentName: `bravo-held-${rand()}` } };
    run = await startFlowLink({
      identity: { signup: 'open', publicUrl: 'http://console.test', oauth: { github: { ...fake.config().github, clientSecret: 'env:ISO_GH_SECRET' } } },
      approvals: { slack: { token: 'xoxb-iso', signingSecret: slackSecret, channel: 'C0APPROVALS', apiUrl: slack.apiUrl } },
      policies: { rules: [names.a, names.b].map((n, i) => ({ id: `hold-${i}`, effect: 'approve', match: { agents: [n.heldAgentName] } })) },
    }, { postgres: opts.postgres });
    api = { app: run.fl.app } as Api;
    a = await populate(api, run.url, 'alpha', '10.90.0.1', names.a, (o) => linkGitHub(o, 'alpha'));
    b = await populate(api, run.url, 'bravo', '10.90.0.2', names.b, (o) => linkGitHub(o, 'bravo'));
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await run?.stop();
    await Promise.allSettled([a?.held, b?.held]);
    await fake?.close();
    await slack?.close();
  });

  /** B's cookie session, renewed when a route (sign-out, a revoked session) ended it. */
  async function bCookie(): Promise<Browser> {
    if ((await b.owner.req('GET', '/api/v1/me')).status === 200) return b.owner;
    await run.fl.store.query('DELETE FROM auth_throttle');
    const fresh = new Browser(api, '10.90.0.2');
    assert.equal((await fresh.req('POST', '/api/v1/auth/sign-in', { email: b.ownerEmail, password: PASSWORD })).status, 200);
    b.owner = fresh;
    return fresh;
  }

  test(`${opts.postgres ? 'postgres' : 'pglite'}: every route is classified, and none leaks or changes org A for org B`, { timeout: 240_000 }, async () => {
    const before = await snapshotOf(a);
    const unclassified: string[] = [];
    const results: string[] = [];
    let tried = 0;

    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      const entry: RouteEntry | undefined = ROUTES[key];
      if (!entry) {
        unclassified.push(key);
        continue;
      }
      if (entry.kind === 'agent' || entry.kind === 'webhook') continue; // tried below, one by one
      const names = [...r.url.matchAll(/:([A-Za-z]+)|(\*)/g)].map((m) => m[1] ?? m[2]!);
      for (const p of names) assert.ok(paramValue(p, r.url, a) !== undefined, `the isolation suite has no value of A for :${p} in ${key}: add one to paramValue()`);
      const objectParams = names.filter((n) => OBJECT_PARAMS.has(n));
      const orgVariants: (string | undefined)[] = names.includes('orgId') ? (entry.crossOnly ? [a.orgId] : [a.orgId, b.orgId]) : entry.crossOnly ? [] : [undefined];
      if (!names.includes('orgId') && entry.crossOnly) orgVariants.push(undefined);
      for (const orgId of orgVariants) {
        let url = r.url.replace(/:([A-Za-z]+)|\*/g, (m, p: string | undefined) => (p === 'orgId' ? orgId! : paramValue(p ?? '*', r.url, a)!));
        url += entry.query?.(a) ?? '';
        const body = entry.body ? entry.body(a) : r.method === 'GET' ? undefined : {};
        const sent = url + JSON.stringify(body ?? '');
        const opts = entry.form ? { form: true } : {};
        await run.fl.store.query('DELETE FROM auth_throttle');
        const tries: [string, () => Promise<Res>][] =
          entry.kind === 'public'
            ? [['cookie', async () => (await bCookie()).req(r.method, url, body, opts)], ['anonymous', () => new Browser(api, '10.90.0.3').req(r.method, url, body, opts)]]
            : entry.kind === 'user'
              ? [['cookie', async () => (await bCookie()).req(r.method, url, body)], ['api key', () => new Browser(api, '10.90.0.4').req(r.method, url, body, { headers: { authorization: `Bearer ${b.keySecret}` } })]]
              : [['cookie', async () => (await bCookie()).req(r.method, url, body)], ['api key', () => new Browser(api, '10.90.0.4').req(r.method, url, body, { headers: { authorization: `Bearer ${b.keySecret}` } })]];
        for (const [how, send] of tries) {
          const res = await send();
          tried++;
          const what = `${r.method} ${url} (B's ${how})`;
          const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
          results.push(`${what} → ${res.status}`);
          assert.ok(res.status < 500 || (entry.mayBeUnavailable === true && res.status === 503), `${what} answered ${res.status}: ${text.slice(0, 300)}`);
          assertNoLeak(what, sent, text + JSON.stringify(res.headers));
          const refuse = orgId === a.orgId || objectParams.length > 0 || entry.mustRefuse === true || (entry.kind === 'user' && how === 'api key');
          if (refuse) assert.ok(res.status >= 400, `${what} answered ${res.status} for org A's ${orgId === a.orgId ? 'org' : objectParams.join(', ')}: ${text.slice(0, 300)}`);
        }
      }
    }

    if (process.env.ISO_DEBUG) console.log(results.join('\n'));
    assert.deepEqual(unclassified, [], `routes the isolation suite does not know (classify them in test/identity/isolation.routes.ts): ${unclassified.join('; ')}`);
    for (const key of Object.keys(ROUTES)) assert.ok(routes.some((r) => `${r.method} ${r.url}` === key), `isolation.routes.ts lists ${key}, which FlowLink no longer serves: remove it`);
    assert.ok(tried > 150, `tried ${tried}`);
    assert.deepEqual(await snapshotOf(a), before, "org A's data did not change");
  });

  const mcpHeaders = (token: string | undefined, sid?: string): Record<string, string> => ({
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
    ...(sid ? { 'mcp-session-id': sid } : {}),
  });
  const rpc = (id: number, method: string, params: Record<string, unknown> = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

  /** A WebSocket MCP exchange: initialize, then one request; returns every message text. */
  async function wsExchange(path: string, token: string | undefined, request: string): Promise<{ opened: boolean; texts: string[]; closeCode: number | undefined }> {
    const ws = new WebSocket(`${run.url.replace('http', 'ws')}${path}`, 'mcp', { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const texts: string[] = [];
    return new Promise((resolve) => {
      let opened = false;
      let closeCode: number | undefined;
      const done = () => {
        ws.terminate();
        resolve({ opened, texts, closeCode });
      };
      ws.on('close', (code) => {
        closeCode = code;
        clearTimeout(timer);
        done();
      });
      const timer = setTimeout(done, 5000);
      ws.on('open', () => {
        opened = true;
        ws.send(rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'iso', version: '1' } }));
      });
      ws.on('message', (m) => {
        const t = m.toString();
        texts.push(t);
        if (t.includes('"id":1')) {
          ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
          ws.send(request);
        } else if (t.includes('"id":2')) {
          clearTimeout(timer);
          done();
        }
      });
      ws.on('error', () => {
        clearTimeout(timer);
        done();
      });
      ws.on('unexpected-response', () => {
        clearTimeout(timer);
        done();
      });
    });
  }

  test(`${opts.postgres ? 'postgres' : 'pglite'}: MCP endpoints, the hook decision API and chat webhooks: B's agent and unsigned callers reach nothing of A`, { timeout: 120_000 }, async () => {
    const before = await snapshotOf(a);
    const list = rpc(2, 'tools/list');
    // A's MCP session id with B's token: every method on both MCP paths is refused.
    for (const path of ['/mcp', '/mcp/everything']) {
      for (const method of ['POST', 'GET', 'DELETE']) {
        const r = await fetch(run.url + path, { method, headers: mcpHeaders(b.agentToken, a.mcpSession), ...(method === 'POST' ? { body: list } : {}), signal: AbortSignal.timeout(5000) });
        const text = await r.text();
        assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} with A's session and B's token answered ${r.status}: ${text.slice(0, 200)}`);
        assertNoLeak(`${method} ${path}`, '', text);
      }
      // Without a token: refused, whatever the session id.
      const anon = await fetch(run.url + path, { method: 'POST', headers: mcpHeaders(undefined, a.mcpSession), body: list });
      assert.equal(anon.status, 401, `POST ${path} without a token`);
      assertNoLeak(`POST ${path} anonymous`, '', await anon.text());
    }
    // A's session survived B's DELETE.
    const still = await fetch(`${run.url}/mcp`, { method: 'POST', headers: mcpHeaders(a.agentToken, a.mcpSession), body: list });
    assert.equal(still.status, 200, "A's session still works after B tried to delete it");
    await still.text();

    // B's own calls, on both eras' paths: answers carry nothing of A (history, pins, tool lists are per org).
    for (const path of ['/mcp', '/mcp/everything']) {
      const init = await fetch(run.url + path, { method: 'POST', headers: mcpHeaders(b.agentToken), body: rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'iso-b', version: '1' } }) });
      const sid = init.headers.get('mcp-session-id')!;
      assertNoLeak(`initialize ${path}`, '', await init.text());
      for (const body of [list, rpc(3, 'tools/call', { name: path === '/mcp' ? 'everything__echo' : 'echo', arguments: { message: 'bravo says hi' } })]) {
        const r = await fetch(run.url + path, { method: 'POST', headers: mcpHeaders(b.agentToken, sid), body });
        const text = await r.text();
        assert.equal(r.status, 200, `${path} ${body.slice(0, 60)}: ${text.slice(0, 200)}`);
        assertNoLeak(`B's own ${path}`, '', text);
      }
    }

    // WebSocket: B's token works and sees nothing of A; no token is refused at the upgrade.
    for (const path of ['/ws/mcp', '/ws/mcp/everything']) {
      const mine = await wsExchange(path, b.agentToken, list);
      assert.ok(mine.opened && mine.texts.some((t) => t.includes('"id":2')), `${path} with B's token answered tools/list`);
      assertNoLeak(path, '', mine.texts.join('\n'));
      const anon = await wsExchange(path, undefined, list);
      // The token is checked right after the upgrade: the socket is closed (1008) before any message is answered.
      assert.equal(anon.closeCode, 1008, `${path} without a token is closed as a policy violation`);
      assert.ok(!anon.texts.some((t) => t.includes('"result"')), `${path} without a token answered: ${anon.texts.join(' ')}`);
    }

    // The hook decision API: B's agent token, A's ids in the input; the decision lands in B's audit only.
    const decide = await fetch(`${run.url}/api/v1/decide`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.agentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client: 'claude-code', tool: 'Bash', input: { command: `echo ${a.orgId} ${a.agentId} ${a.approvalId}` } }),
    });
    const decideText = await decide.text();
    assert.equal(decide.status, 200, decideText.slice(0, 200));
    assertNoLeak('POST /api/v1/decide', '', decideText);
    const anonDecide = await fetch(`${run.url}/api/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client: 'claude-code', tool: 'Bash', input: { command: 'ls' } }) });
    assert.equal(anonDecide.status, 401);

    // Slack, correctly signed, clicked by a Slack user linked to B's owner in org B, on A's request: refused.
    assert.equal((await b.owner.req('PUT', `/api/v1/orgs/${b.orgId}/approvals-links/slack`, { userId: b.ownerId, slackUserId: 'U0BRAVO01' })).status, 200);
    const aMessage = slack.messages.find((m) => JSON.stringify(m.blocks).includes(a.approvalId));
    assert.ok(aMessage, "A's request was announced in the installation's Slack channel");
    for (const actionId of ['approve', 'deny']) {
      const click = await slack.click(`${run.url}/api/v1/integrations/slack/interactions`, { message: aMessage, slackUserId: 'U0BRAVO01', actionId });
      // The signature is good (Slack gets its 200); the answer says no, and nothing is decided.
      assert.equal(click.status, 200, JSON.stringify(click.body));
      assert.notEqual(click.body.ok, true, `B's Slack user could ${actionId} A's request: ${JSON.stringify(click.body)}`);
      if (process.env.ISO_DEBUG) console.log('slack click by B:', JSON.stringify(click.body));
      assertNoLeak(`slack ${actionId} by B`, '', JSON.stringify(click.body));
    }

    // Chat webhooks, unsigned, naming A's approval: refused (and nothing is decided).
    const unsigned = await fetch(`${run.url}/api/v1/integrations/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U0ISO' }, actions: [{ action_id: 'approve', value: a.approvalId }] }))}` });
    assert.ok(unsigned.status >= 400 && unsigned.status < 500, `slack interactions answered ${unsigned.status}`);
    assertNoLeak('slack interactions', '', await unsigned.text());
    const tg = await fetch(`${run.url}/api/v1/integrations/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ update_id: 1, callback_query: { id: '1', from: { id: 42 }, data: `approve:${a.approvalId}` } }) });
    assert.ok(tg.status >= 400 && tg.status < 500, `telegram webhook answered ${tg.status}`);
    assertNoLeak('telegram webhook', '', await tg.text());

    assert.deepEqual(await snapshotOf(a), before, "org A's data did not change");
  });
}
