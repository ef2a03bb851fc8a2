import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { startFlowLink, type Running } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, type Api, type Res } from './harness.ts';
import { startFakeOAuth, type FakeOAuth } from '../fakes/oauth/server.ts';
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

let fake: FakeOAuth;
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
  assert.equal(done.headers.location, '/#/account?linked=github');
}

before(async () => {
  fake = await startFakeOAuth();
  process.env.ISO_GH_SECRET = fake.clients.github.secret;
  const names = { a: { orgName: `alpha-org-${rand()}`, heldAgentName: `alpha-held-${rand()}` }, b: { orgName: `bravo-org-${rand()}`, heldAgentName: `bravo-held-${rand()}` } };
  run = await startFlowLink({
    identity: { signup: 'open', publicUrl: 'http://console.test', oauth: { github: { ...fake.config().github, clientSecret: 'env:ISO_GH_SECRET' } } },
    approvals: {},
    policies: { rules: [names.a, names.b].map((n, i) => ({ id: `hold-${i}`, effect: 'approve', match: { agents: [n.heldAgentName] } })) },
  });
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

test('every route is classified, and none leaks or changes org A for org B', { timeout: 240_000 }, async () => {
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
    const orgVariants = names.includes('orgId') ? (entry.crossOnly ? [a.orgId] : [a.orgId, b.orgId]) : entry.crossOnly ? [] : [undefined];
    if (!names.includes('orgId') && entry.crossOnly) orgVariants.push(undefined);
    for (const orgId of orgVariants) {
      let url = r.url.replace(/:([A-Za-z]+)|\*/g, (m, p: string | undefined) => (p === 'orgId' ? orgId! : paramValue(p ?? '*', r.url, a)!));
      url += entry.query?.(a) ?? '';
      const body = entry.body ? entry.body(a) : r.method === 'GET' ? undefined : {};
      const sent = url + JSON.stringify(body ?? '');
      await run.fl.store.query('DELETE FROM auth_throttle');
      const tries: [string, () => Promise<Res>][] =
        entry.kind === 'public'
          ? [['cookie', async () => (await bCookie()).req(r.method, url, body)], ['anonymous', () => new Browser(api, '10.90.0.3').req(r.method, url, body)]]
          : entry.kind === 'user'
            ? [['cookie', async () => (await bCookie()).req(r.method, url, body)], ['api key', () => new Browser(api, '10.90.0.4').req(r.method, url, body, { headers: { authorization: `Bearer ${b.keySecret}` } })]]
            : [['cookie', async () => (await bCookie()).req(r.method, url, body)], ['api key', () => new Browser(api, '10.90.0.4').req(r.method, url, body, { headers: { authorization: `Bearer ${b.keySecret}` } })]];
      for (const [how, send] of tries) {
        const res = await send();
        tried++;
        const what = `${r.method} ${url} (B's ${how})`;
        const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
        results.push(`${what} → ${res.status}`);
        assert.ok(res.status < 500, `${what} answered ${res.status}: ${text.slice(0, 300)}`);
        assertNoLeak(what, sent, text + JSON.stringify(res.headers));
        const refuse = orgId === a.orgId || objectParams.length > 0 || (entry.kind === 'user' && how === 'api key');
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
