import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends, startApi, signUp, Browser, PASSWORD, uniqueEmail, type Api } from './harness.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * Two populated orgs; org A's owner (cookie) and org A's admin API key (bearer) try every
 * API route in Fastify's route table with org B's ids. Nothing of B may leak or change.
 * A route whose parameters or body this suite does not know fails the suite: add it here.
 */
interface OrgFixture {
  owner: Browser;
  ownerEmail: string;
  orgId: string;
  orgName: string;
  agentId: string;
  agentName: string;
  memberId: string;
  memberEmail: string;
  inviteId: string;
  inviteEmail: string;
  keyId: string;
  keyPrefix: string;
  keySecret: string;
  sessionId: string;
}

async function populate(api: Api, tag: string, ip: string): Promise<OrgFixture> {
  const ownerEmail = uniqueEmail(`${tag}owner`);
  const owner = await signUp(api, ownerEmail, ip);
  const orgName = `${tag}-org-${Date.now()}`;
  const orgId = (await owner.req('POST', '/api/v1/orgs', { name: orgName })).body.org.id;
  const agentName = `${tag}-agent-secret-name`;
  const agentId = (await owner.req('POST', `/api/v1/orgs/${orgId}/agents`, { name: agentName })).body.agent.id;
  const memberEmail = uniqueEmail(`${tag}member`);
  const member = await signUp(api, memberEmail, ip);
  const link = (await owner.req('POST', `/api/v1/orgs/${orgId}/invites`, { email: memberEmail, role: 'viewer' })).body.link as string;
  await member.req('POST', '/api/v1/invites/accept', { token: decodeURIComponent(link.split('token=')[1]!) });
  const memberId = (await member.req('GET', '/api/v1/me')).body.user.id;
  const inviteEmail = uniqueEmail(`${tag}pending`);
  const inviteId = (await owner.req('POST', `/api/v1/orgs/${orgId}/invites`, { email: inviteEmail, role: 'auditor' })).body.invite.id;
  const key = (await owner.req('POST', `/api/v1/orgs/${orgId}/api-keys`, { name: `${tag}-key`, role: 'admin' })).body;
  const sessionId = (await owner.req('GET', '/api/v1/me/sessions')).body.sessions.find((s: { current: boolean }) => s.current).id;
  return { owner, ownerEmail, orgId, orgName, agentId, agentName, memberId, memberEmail, inviteId, inviteEmail, keyId: key.apiKey.id, keyPrefix: key.apiKey.prefix, keySecret: key.secret, sessionId };
}

/** Everything B's owner can see of B: must be identical before and after the attack. */
async function snapshot(api: Api, b: OrgFixture) {
  const g = async (url: string) => (await b.owner.req('GET', url)).body;
  const agents = await g(`/api/v1/orgs/${b.orgId}/agents`);
  const agent = await g(`/api/v1/orgs/${b.orgId}/agents/${b.agentId}`);
  return {
    org: await g(`/api/v1/orgs/${b.orgId}`),
    members: await g(`/api/v1/orgs/${b.orgId}/members`),
    invites: await g(`/api/v1/orgs/${b.orgId}/invites`),
    keys: (await g(`/api/v1/orgs/${b.orgId}/api-keys`)).apiKeys.map((k: Record<string, unknown>) => ({ ...k, lastUsedAt: null })),
    agents: agents.agents.map((a: Record<string, unknown>) => ({ ...a, lastSeenAt: null })),
    tokens: agent.tokens,
    sessions: (await g('/api/v1/me/sessions')).sessions.map((s: Record<string, unknown>) => ({ id: s.id })),
  };
}

const PARAMS = ['orgId', 'agentId', 'userId', 'inviteId', 'keyId', 'sessionId'] as const;

function bodyFor(method: string, url: string, a: OrgFixture): unknown {
  const u = url.replace(/^\/api/, '');
  const bodies: Record<string, unknown> = {
    'POST /v1/auth/sign-up': { email: uniqueEmail('iso'), password: PASSWORD },
    'POST /v1/auth/sign-in': { email: a.ownerEmail, password: PASSWORD },
    'POST /v1/auth/2fa': { code: '123456' },
    'POST /v1/auth/sign-out': undefined,
    'POST /v1/auth/password/forgot': { email: uniqueEmail('iso') },
    'POST /v1/auth/password/reset': { token: 'fl_reset_guess', password: 'a fine new passphrase' },
    'POST /v1/me/password': { currentPassword: 'not the password', newPassword: 'a fine new passphrase' },
    'DELETE /v1/me/sessions/:sessionId': undefined,
    'POST /v1/me/2fa/setup': undefined,
    'POST /v1/me/2fa/enable': { code: '123456' },
    'POST /v1/me/2fa/disable': { password: PASSWORD, code: '123456' },
    'POST /v1/orgs': { name: `iso-${Date.now()}-${Math.floor(Math.random() * 1e6)}` },
    'PATCH /v1/orgs/:orgId': { name: `pwned-${Date.now()}`, requireMfa: true },
    'PATCH /v1/orgs/:orgId/members/:userId': { role: 'owner' },
    'DELETE /v1/orgs/:orgId/members/:userId': undefined,
    'POST /v1/orgs/:orgId/invites': { email: uniqueEmail('iso'), role: 'admin' },
    'DELETE /v1/orgs/:orgId/invites/:inviteId': undefined,
    'POST /v1/invites/accept': { token: 'fl_invite_guess' },
    'POST /v1/orgs/:orgId/api-keys': { name: 'iso', role: 'admin' },
    'DELETE /v1/orgs/:orgId/api-keys/:keyId': undefined,
    'POST /v1/orgs/:orgId/agents': { name: `iso-${Math.floor(Math.random() * 1e9)}` },
    'PATCH /v1/orgs/:orgId/agents/:agentId': { scopes: { servers: ['*'], tools: ['*'] } },
    'POST /v1/orgs/:orgId/agents/:agentId/rotate': { overlapSeconds: 0 },
    'DELETE /v1/orgs/:orgId/agents/:agentId': undefined,
  };
  const k = `${method} ${u}`;
  if (method === 'GET') return undefined;
  assert.ok(k in bodies, `the isolation suite does not know ${k}: add a body for it`);
  return bodies[k];
}

for (const [name, open] of backends) {
  let store: Store;
  let api: Api;
  before(async () => {
    store = await open();
    api = await startApi(store);
  });
  after(async () => {
    await api.close();
    await store.close();
  });

  test(`${name}: no API route leaks or changes another org's data`, async () => {
    const a = await populate(api, 'alpha', '10.20.0.1');
    const b = await populate(api, 'bravo', '10.20.0.2');
    const before = await snapshot(api, b);
    // Strings of B's that A never sends: any of them in a response is a leak.
    const markers = [b.orgName, b.agentName, b.memberEmail, b.inviteEmail, b.ownerEmail, b.keyPrefix, b.memberId];
    const routes = api.routes.filter((r) => r.url.startsWith('/api/'));
    assert.ok(routes.length >= 30, `found ${routes.length} routes`);
    let tried = 0;

    for (const r of routes) {
      const names = [...r.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
      for (const p of names) assert.ok((PARAMS as readonly string[]).includes(p), `the isolation suite does not know the parameter :${p} of ${r.method} ${r.url}`);
      // Variants: B's org with B's objects; A's own org with B's objects (object-level checks).
      const variants = names.includes('orgId') ? [b.orgId, a.orgId] : [undefined];
      for (const orgId of variants) {
        const url = r.url
          .replace(':orgId', orgId ?? '')
          .replace(':agentId', b.agentId)
          .replace(':userId', b.memberId)
          .replace(':inviteId', b.inviteId)
          .replace(':keyId', b.keyId)
          .replace(':sessionId', b.sessionId);
        const body = bodyFor(r.method, r.url, a);
        // Fresh credentials of A for each try, as a cookie session and as A's admin API key.
        const cookie = new Browser(api, '10.20.0.3');
        assert.equal((await cookie.req('POST', '/api/v1/auth/sign-in', { email: a.ownerEmail, password: PASSWORD })).status, 200);
        const tries = [
          await cookie.req(r.method, url, body),
          await new Browser(api, '10.20.0.4').req(r.method, url, body, { headers: { authorization: `Bearer ${a.keySecret}` } }),
        ];
        for (const res of tries) {
          tried++;
          const text = JSON.stringify(res.body ?? '');
          for (const m of markers) assert.ok(!text.includes(m), `${r.method} ${url} leaked ${m}: ${text.slice(0, 300)}`);
          const touchesB = orgId === b.orgId || names.some((n) => n !== 'orgId');
          if (touchesB) assert.ok(res.status >= 400 && res.status < 500, `${r.method} ${url} answered ${res.status} for another org's object: ${text.slice(0, 300)}`);
        }
      }
    }
    assert.ok(tried > 60);
    assert.deepEqual(await snapshot(api, b), before, "org B's data did not change");
    // B's API key still works, and only for B.
    const own = await api.app.inject({ method: 'GET', url: `/api/v1/orgs/${b.orgId}/agents`, headers: { authorization: `Bearer ${b.keySecret}` } });
    assert.equal(own.statusCode, 200);
    const cross = await api.app.inject({ method: 'GET', url: `/api/v1/orgs/${a.orgId}/agents`, headers: { authorization: `Bearer ${b.keySecret}` } });
    assert.equal(cross.statusCode, 404);
  });
}
