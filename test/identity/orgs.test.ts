import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends, startApi, signUp, uniqueEmail, type Api, type Browser } from './harness.ts';
import { scopeAllows } from '../../src/identity/scopes.ts';
import type { Store } from '../../src/store/store.ts';

async function orgWithMember(api: Api, role: string): Promise<{ owner: Browser; member: Browser; orgId: string; memberId: string }> {
  const owner = await signUp(api);
  const orgId = (await owner.req('POST', '/api/v1/orgs', { name: `o-${Date.now()}-${Math.floor(Math.random() * 1e6)}` })).body.org.id;
  const email = uniqueEmail(role);
  const member = await signUp(api, email);
  const link = (await owner.req('POST', `/api/v1/orgs/${orgId}/invites`, { email, role })).body.link as string;
  const acc = await member.req('POST', '/api/v1/invites/accept', { token: decodeURIComponent(link.split('token=')[1]!) });
  assert.equal(acc.status, 200);
  const memberId = (await member.req('GET', '/api/v1/me')).body.user.id;
  return { owner, member, orgId, memberId };
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

  test(`${name}: roles: viewers read, only managers write, admins cannot make owners, an org keeps an owner`, async () => {
    const { owner, member, orgId, memberId } = await orgWithMember(api, 'viewer');
    assert.equal((await member.req('GET', `/api/v1/orgs/${orgId}/agents`)).status, 200);
    assert.equal((await member.req('GET', `/api/v1/orgs/${orgId}/members`)).body.members.length, 2);
    const denied = await member.req('POST', `/api/v1/orgs/${orgId}/agents`, { name: 'nope' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'forbidden');
    assert.equal((await owner.req('PATCH', `/api/v1/orgs/${orgId}/members/${memberId}`, { role: 'admin' })).status, 204);
    assert.equal((await member.req('POST', `/api/v1/orgs/${orgId}/agents`, { name: 'yes' })).status, 201);
    const ownerId = (await owner.req('GET', '/api/v1/me')).body.user.id;
    assert.equal((await member.req('PATCH', `/api/v1/orgs/${orgId}/members/${ownerId}`, { role: 'viewer' })).status, 403, 'an admin cannot demote an owner');
    assert.equal((await member.req('POST', `/api/v1/orgs/${orgId}/invites`, { email: uniqueEmail(), role: 'owner' })).status, 403);
    assert.equal((await owner.req('PATCH', `/api/v1/orgs/${orgId}/members/${ownerId}`, { role: 'admin' })).body.error.code, 'conflict', 'the last owner stays');
    assert.equal((await member.req('PATCH', `/api/v1/orgs/${orgId}`, { requireMfa: true })).status, 403, 'only owners change the 2FA rule');
  });

  test(`${name}: members leave or are removed; removal ends access at once`, async () => {
    const { owner, member, orgId, memberId } = await orgWithMember(api, 'auditor');
    assert.equal((await member.req('GET', `/api/v1/orgs/${orgId}`)).body.role, 'auditor');
    assert.equal((await owner.req('DELETE', `/api/v1/orgs/${orgId}/members/${memberId}`)).status, 204);
    assert.equal((await member.req('GET', `/api/v1/orgs/${orgId}`)).status, 404);
    const second = await orgWithMember(api, 'viewer');
    assert.equal((await second.member.req('DELETE', `/api/v1/orgs/${second.orgId}/members/${second.memberId}`)).status, 204, 'leaving');
  });

  test(`${name}: invites are listed, revocable, and a revoked link does not work`, async () => {
    const owner = await signUp(api);
    const orgId = (await owner.req('POST', '/api/v1/orgs', { name: `inv-${Date.now()}` })).body.org.id;
    const email = uniqueEmail('rev');
    const r = await owner.req('POST', `/api/v1/orgs/${orgId}/invites`, { email, role: 'approver' });
    assert.equal(r.status, 201);
    assert.equal((await owner.req('GET', `/api/v1/orgs/${orgId}/invites`)).body.invites.length, 1);
    assert.equal((await owner.req('DELETE', `/api/v1/orgs/${orgId}/invites/${r.body.invite.id}`)).status, 204);
    const invitee = await signUp(api, email);
    assert.equal((await invitee.req('POST', '/api/v1/invites/accept', { token: decodeURIComponent(r.body.link.split('token=')[1]) })).body.error.code, 'invalid_token');
    assert.ok(api.outbox.some((m) => m.to === email && m.subject.includes('invited')), 'the invite was mailed');
  });

  test(`${name}: API keys: bearer access with the key's role, hashed, expiring, revocable at once`, async () => {
    const owner = await signUp(api);
    const orgId = (await owner.req('POST', '/api/v1/orgs', { name: `keys-${Date.now()}` })).body.org.id;
    const made = await owner.req('POST', `/api/v1/orgs/${orgId}/api-keys`, { name: 'ci', role: 'viewer', expiresInDays: 30 });
    assert.equal(made.status, 201);
    const secret = made.body.secret as string;
    assert.match(secret, /^fl_key_[A-Za-z0-9_-]{43}$/);
    const stored = await store.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [made.body.apiKey.id]);
    assert.notEqual(stored[0]!.key_hash, secret);
    const bearer = { authorization: `Bearer ${secret}` };
    const list = await api.app.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/agents`, headers: bearer });
    assert.equal(list.statusCode, 200);
    const write = await api.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/agents`, headers: { ...bearer, 'content-type': 'application/json' }, payload: '{"name":"x"}' });
    assert.equal(write.statusCode, 403, 'a viewer key cannot write');
    assert.equal((await api.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })).statusCode, 401, 'keys are for org routes only');
    assert.equal((await owner.req('POST', `/api/v1/orgs/${orgId}/api-keys`, { name: 'root', role: 'owner' })).status, 400, 'no owner keys');
    assert.equal((await owner.req('DELETE', `/api/v1/orgs/${orgId}/api-keys/${made.body.apiKey.id}`)).status, 204);
    assert.equal((await api.app.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/agents`, headers: bearer })).statusCode, 401);
    const admin = await owner.req('POST', `/api/v1/orgs/${orgId}/api-keys`, { name: 'deploy', role: 'admin' });
    await store.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [admin.body.apiKey.id]);
    assert.equal((await api.app.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/agents`, headers: { authorization: `Bearer ${admin.body.secret}` } })).statusCode, 401, 'expired');
  });

  test(`${name}: agents: create with scopes, rotate with overlap, revoke; authenticate returns the scopes`, async () => {
    const owner = await signUp(api);
    const orgId = (await owner.req('POST', '/api/v1/orgs', { name: `agents-${Date.now()}` })).body.org.id;
    const made = await owner.req('POST', `/api/v1/orgs/${orgId}/agents`, { name: 'ci-bot', labels: { env: 'ci' }, scopes: { servers: ['github'], tools: ['list_*', 'fs/read_file'] } });
    assert.equal(made.status, 201);
    const t1 = made.body.token as string;
    const id = await api.agents.authenticate(t1);
    assert.deepEqual(id?.scopes, { servers: ['github'], tools: ['list_*', 'fs/read_file'] });
    assert.ok(scopeAllows(id!.scopes!, 'github', 'list_issues'));
    assert.ok(!scopeAllows(id!.scopes!, 'github', 'delete_repo'));
    assert.ok(scopeAllows(id!.scopes!, 'fs', 'read_file'));
    assert.ok(!scopeAllows(id!.scopes!, 'fs', 'write_file'));
    const agentId = made.body.agent.id;
    assert.equal((await owner.req('PATCH', `/api/v1/orgs/${orgId}/agents/${agentId}`, { scopes: { servers: ['*'], tools: ['*'] } })).body.agent.scopes.servers[0], '*');
    assert.deepEqual((await api.agents.authenticate(t1))?.scopes, { servers: ['*'], tools: ['*'] }, 'scope changes apply at once');

    const rot = await owner.req('POST', `/api/v1/orgs/${orgId}/agents/${agentId}/rotate`, { overlapSeconds: 3600 });
    const t2 = rot.body.token as string;
    assert.ok(await api.agents.authenticate(t1), 'the old token works during the overlap');
    assert.ok(await api.agents.authenticate(t2));
    const detail = await owner.req('GET', `/api/v1/orgs/${orgId}/agents/${agentId}`);
    assert.equal(detail.body.tokens.length, 2);
    assert.ok(!JSON.stringify(detail.body).includes(t2), 'never the secret');
    const rot2 = await owner.req('POST', `/api/v1/orgs/${orgId}/agents/${agentId}/rotate`, {});
    assert.equal(await api.agents.authenticate(t1), undefined, 'no overlap: old tokens stop now');
    assert.equal(await api.agents.authenticate(t2), undefined);
    assert.ok(await api.agents.authenticate(rot2.body.token));
    assert.equal((await owner.req('DELETE', `/api/v1/orgs/${orgId}/agents/${agentId}`)).status, 204);
    assert.equal(await api.agents.authenticate(rot2.body.token), undefined);
    assert.equal((await owner.req('POST', `/api/v1/orgs/${orgId}/agents`, { name: 'bad', scopes: { servers: ['a b'] } })).status, 400);
  });

  test(`${name}: the OpenAPI document lists every API route with its schema`, async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    const apiRoutes = api.routes.filter((r) => r.url.startsWith('/api/'));
    for (const r of apiRoutes) {
      const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
      assert.ok(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.url} is documented`);
    }
    assert.ok(doc.paths['/api/v1/auth/sign-in'].post.requestBody);
    assert.equal(doc.paths['/api/v1/orgs/{orgId}/agents'].post['x-permission'], 'agents.manage');
  });
}
