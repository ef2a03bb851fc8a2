import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, type Running } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, uniqueEmail, type Api } from '../identity/harness.ts';
import { connectClient } from '../helpers/client.ts';

// The policy set through the REST API, as the console uses it.
let fl: Running;
let owner: Browser;
let outsider: Browser;
let homeOrg: string;
let otherOrg: string;

async function signUp(email: string): Promise<Browser> {
  const b = new Browser({ app: fl.fl.app } as unknown as Api);
  const r = await b.req('POST', '/api/v1/auth/sign-up', { email, password: PASSWORD, name: 'T' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return b;
}

before(async () => {
  fl = await startFlowLink({ identity: { signup: 'open' } });
  owner = await signUp(uniqueEmail('owner'));
  homeOrg = (await owner.req('GET', '/api/v1/orgs')).body.orgs[0].id;
  outsider = await signUp(uniqueEmail('other'));
  otherOrg = (await outsider.req('POST', '/api/v1/orgs', { name: `other-${Date.now()}` })).body.org.id;
});
after(async () => {
  await fl?.stop();
});

const doc = (extra: object[] = []) => ({ policies: { rules: [{ id: 'no-env', effect: 'deny', reason: 'no env dumps', match: { tools: ['get-env'] } }, ...extra] } });

test('the owner of the default org replaces the policy set; the change applies to the next call', async () => {
  const c = await connectClient(`${fl.url}/mcp/everything`, fl.token);
  try {
    await c.client.callTool({ name: 'get-env', arguments: {} });
    const put = await owner.req('PUT', `/api/v1/orgs/${homeOrg}/policies`, doc());
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await assert.rejects(c.client.callTool({ name: 'get-env', arguments: {} }), /Denied by policy "no-env"/);
    const got = await owner.req('GET', `/api/v1/orgs/${homeOrg}/policies`);
    assert.equal(got.body.version, put.body.version);
    assert.equal(got.body.document.policies.rules[0].id, 'no-env');
  } finally {
    await c.close();
  }
});

test('an invalid set is rejected whole with a message naming the rule and field; the active version stays', async () => {
  const before = (await owner.req('GET', `/api/v1/orgs/${homeOrg}/policies`)).body.version;
  const bad = await owner.req('PUT', `/api/v1/orgs/${homeOrg}/policies`, doc([{ id: 'oops', effect: 'maybe' }]));
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /oops/);
  assert.match(bad.body.error.message, /effect/);
  assert.equal((await owner.req('GET', `/api/v1/orgs/${homeOrg}/policies`)).body.version, before);
});

test('a candidate is simulated against recorded calls, then versions are listed and rolled back', async () => {
  const sim = await owner.req('POST', `/api/v1/orgs/${homeOrg}/policies/simulate`, { document: { policies: { rules: [] } }, since: '1h' });
  assert.equal(sim.status, 200, JSON.stringify(sim.body));
  assert.ok(sim.body.newlyAllowed.some((c: { tool: string }) => c.tool === 'get-env'), 'the denied get-env call would now be allowed');
  const versions = (await owner.req('GET', `/api/v1/orgs/${homeOrg}/policies/versions`)).body.versions as { version: number }[];
  assert.ok(versions.length >= 1);
  const first = Math.min(...versions.map((v) => v.version));
  const rb = await owner.req('POST', `/api/v1/orgs/${homeOrg}/policies/rollback`, { version: first });
  assert.equal(rb.status, 200, JSON.stringify(rb.body));
  assert.ok(rb.body.version > first, 'a rollback is itself a new version');
});

test('another organization may read and simulate (its own calls only) but cannot change the installation-wide set', async () => {
  const put = await outsider.req('PUT', `/api/v1/orgs/${otherOrg}/policies`, doc());
  assert.equal(put.status, 403);
  assert.match(put.body.error.message, /default organization/);
  const sim = await outsider.req('POST', `/api/v1/orgs/${otherOrg}/policies/simulate`, { document: { policies: { rules: [] } } });
  assert.equal(sim.status, 200);
  assert.equal(sim.body.total, 0, "no access to another org's recorded calls");
  const cross = await outsider.req('PUT', `/api/v1/orgs/${homeOrg}/policies`, doc());
  assert.equal(cross.status, 404, 'not a member of the home org');
  const noCsrf = await owner.req('PUT', `/api/v1/orgs/${homeOrg}/policies`, doc(), { csrf: false });
  assert.equal(noCsrf.status, 403);
});
