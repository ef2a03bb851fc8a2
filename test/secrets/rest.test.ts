import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startSecretsRig, assertNoLeak, type SecretsRig } from './harness.ts';
import type { Browser } from '../identity/harness.ts';

// The secrets REST API as the console uses it (cookie session + CSRF), on a real FlowLink.
let rig: SecretsRig;
let owner: Browser;
let home: string;
const VALUE = `pg-Pa55 "quoted"/+%é-${randomBytes(12).toString('base64url')}`;
const api = (org: string, rest = '') => `/api/v1/orgs/${org}/secrets${rest}`;

before(async () => {
  rig = await startSecretsRig();
  const u = await rig.signUp();
  owner = u.browser;
  home = u.orgs[0]!.id;
  assert.equal(home, rig.homeOrg, 'the first account owns the default organization');
});
after(async () => {
  await rig?.close();
});

test('create, update, list, get, versions: the value is write-only and appears in no answer, log line, audit record or table', async () => {
  const created = await owner.req('PUT', api(home, '/PROD_DB_PASSWORD'), { value: VALUE });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body, { name: 'PROD_DB_PASSWORD', version: 1, backend: 'builtin', created: true });
  const updated = await owner.req('PUT', api(home, '/PROD_DB_PASSWORD'), { value: VALUE + '-v2' });
  assert.equal(updated.status, 200);
  assert.equal(updated.body.version, 2);

  const list = await owner.req('GET', api(home));
  assert.equal(list.status, 200);
  const row = list.body.secrets.find((s: { name: string }) => s.name === 'PROD_DB_PASSWORD');
  assert.deepEqual(Object.keys(row).sort(), ['backend', 'createdAt', 'createdBy', 'lastUsedAt', 'name', 'reference', 'updatedAt', 'updatedBy', 'useCount', 'version']);
  assert.equal(row.version, 2);
  assert.equal(row.useCount, 0);
  assert.equal(row.lastUsedAt, null);
  assert.match(row.updatedBy, /^user:/);

  const one = await owner.req('GET', api(home, '/PROD_DB_PASSWORD'));
  assert.equal(one.body.secret.version, 2);
  const versions = await owner.req('GET', api(home, '/PROD_DB_PASSWORD/versions'));
  assert.deepEqual(versions.body.versions.map((v: { version: number; erased: boolean }) => [v.version, v.erased]), [[1, false], [2, false]]);

  // Refused requests that carry the value do not echo it either.
  const refused = await Promise.all([
    owner.req('PUT', api(home, '/1BAD'), { value: VALUE }),
    owner.req('PUT', api(home, '/PROD_DB_PASSWORD'), { value: VALUE, reference: 'env:HOME' }),
    owner.req('PUT', api(home, '/PROD_DB_PASSWORD'), { value: [VALUE] }),
    owner.req('PUT', api(home, '/PROD_DB_PASSWORD'), { value: VALUE }, { csrf: false }),
    owner.req('PUT', `/api/v1/orgs/org_nope/secrets/PROD_DB_PASSWORD`, { value: VALUE }),
  ]);
  assert.deepEqual(refused.map((r) => r.status), [400, 400, 400, 403, 404]);
  // Everything the API answered, logged, audited and stored.
  const answers = JSON.stringify([created.body, updated.body, list.body, one.body, versions.body, ...refused.map((r) => r.body)]);
  assertNoLeak(answers, VALUE, 'an API answer');
  assertNoLeak(rig.logs(), VALUE, 'the logs');
  const audit = JSON.stringify(await rig.store.query("SELECT kind, data FROM audit_events WHERE kind LIKE 'secret.%'"));
  assert.match(audit, /secret\.set/);
  assertNoLeak(audit, VALUE, 'the audit log');
  assertNoLeak(await rig.dump(), VALUE, 'the database');
});

test('bad input gets a clear error naming what is wrong', async () => {
  const cases: [string, string, unknown, number, RegExp][] = [
    ['PUT', '/1BAD', { value: 'long enough value' }, 400, /name/],
    ['PUT', '/GOOD_NAME', { value: 'abc' }, 400, /at least 4 characters/],
    ['PUT', '/GOOD_NAME', { value: 'abcdef', reference: 'env:HOME' }, 400, /exactly one of "value"/],
    ['PUT', '/GOOD_NAME', {}, 400, /exactly one of "value"/],
    ['PUT', '/GOOD_NAME', { value: { nested: true } }, 400, /value must be string/],
    ['PUT', '/GOOD_NAME', { value: 123456 }, 400, /value must be string/],
    ['PUT', '/GOOD_NAME', { value: ['one-element'] }, 400, /value must be string/],
    ['PUT', '/GOOD_NAME', { reference: 'vault:kv/prod/db' }, 400, /Vault reference/],
    ['PUT', '/GOOD_NAME', { reference: 'ftp:/x' }, 400, /unknown secret backend "ftp"/],
    ['PUT', '/GOOD_NAME', { reference: 'env:FLOWLINK_MASTER_KEY' }, 400, /FlowLink's own setting/],
    ['PUT', '/GOOD_NAME', { reference: 'file:../etc/passwd' }, 400, /absolute path/],
    ['DELETE', '/PROD_DB_PASSWORD', undefined, 400, /confirm=PROD_DB_PASSWORD/],
  ];
  for (const [method, path, body, status, re] of cases) {
    const r = await owner.req(method, api(home, path), body);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.message, re, `${method} ${path}`);
  }
  const big = await owner.req('PUT', api(home, '/BIG'), { value: 'x'.repeat(70_000) });
  assert.equal(big.status, 413);
  assert.match(big.body.error.message, /larger than/);
});

test('external references: registered with validation, resolvability checked without the value', async () => {
  process.env.FL_TEST_REST_REF = `from-env-${randomBytes(8).toString('hex')}`;
  try {
    const r = await owner.req('PUT', api(home, '/FROM_ENV'), { reference: 'env:FL_TEST_REST_REF' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.backend, 'env');
    const ok = await owner.req('POST', api(home, '/FROM_ENV/check'));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { name: 'FROM_ENV', backend: 'env', version: 1, reference: 'env:FL_TEST_REST_REF', resolvable: true, reason: null });
    assertNoLeak(JSON.stringify(ok.body), process.env.FL_TEST_REST_REF, 'the check answer');
    await owner.req('PUT', api(home, '/MISSING_ENV'), { reference: 'env:FL_TEST_NOT_SET_ANYWHERE' });
    const missing = await owner.req('POST', api(home, '/MISSING_ENV/check'));
    assert.equal(missing.body.resolvable, false);
    assert.match(missing.body.reason, /no value/);
    await owner.req('PUT', api(home, '/IN_VAULT'), { reference: 'vault:kv/data/prod/db#password' });
    const noVault = await owner.req('POST', api(home, '/IN_VAULT/check'));
    assert.equal(noVault.body.resolvable, false);
    assert.match(noVault.body.reason, /no Vault is configured/);
    const builtin = await owner.req('POST', api(home, '/PROD_DB_PASSWORD/check'));
    assert.equal(builtin.body.resolvable, true);
    const listed = (await owner.req('GET', api(home))).body.secrets.find((s: { name: string }) => s.name === 'IN_VAULT');
    assert.equal(listed.reference, 'vault:kv/data/prod/db#password');
  } finally {
    delete process.env.FL_TEST_REST_REF;
  }
});

test('permissions: owner/admin manage, auditor reads metadata only, viewer and approver see nothing', async () => {
  const admin = await rig.member(home, 'admin');
  const auditor = await rig.member(home, 'auditor');
  const viewer = await rig.member(home, 'viewer');
  const approver = await rig.member(home, 'approver');
  assert.equal((await admin.req('PUT', api(home, '/ADMIN_MADE'), { value: 'admin-value-123' })).status, 201);
  assert.equal((await auditor.req('GET', api(home))).status, 200);
  assert.equal((await auditor.req('GET', api(home, '/ADMIN_MADE/versions'))).status, 200);
  assert.equal((await auditor.req('GET', api(home, '/_keys'))).status, 200);
  const denied = await auditor.req('PUT', api(home, '/ADMIN_MADE'), { value: 'auditor-value-123' });
  assert.equal(denied.status, 403);
  assert.match(denied.body.error.message, /secrets\.manage/);
  assert.equal((await auditor.req('POST', api(home, '/_keys/verify'))).status, 403);
  assert.equal((await auditor.req('POST', api(home, '/ADMIN_MADE/check'))).status, 403);
  assert.equal((await auditor.req('DELETE', api(home, '/ADMIN_MADE?confirm=ADMIN_MADE'))).status, 403);
  for (const b of [viewer, approver]) {
    const r = await b.req('GET', api(home));
    assert.equal(r.status, 403);
    assert.match(r.body.error.message, /secrets\.read/);
  }
  const noCsrf = await owner.req('PUT', api(home, '/ADMIN_MADE'), { value: 'no-csrf-value' }, { csrf: false });
  assert.equal(noCsrf.status, 403);
});

test('delete needs confirmation, stops resolution, erases values, keeps history, is audited', async () => {
  await owner.req('PUT', api(home, '/TO_DELETE'), { value: 'delete-me-please' });
  const del = await owner.req('DELETE', api(home, '/TO_DELETE?confirm=TO_DELETE'));
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.deepEqual(del.body, { name: 'TO_DELETE', deleted: true, version: 1 });
  assert.equal((await owner.req('GET', api(home, '/TO_DELETE'))).status, 404);
  assert.ok(!(await owner.req('GET', api(home))).body.secrets.some((s: { name: string }) => s.name === 'TO_DELETE'));
  const versions = await owner.req('GET', api(home, '/TO_DELETE/versions'));
  assert.deepEqual(versions.body.versions.map((v: { erased: boolean }) => v.erased), [true]);
  assert.equal((await owner.req('DELETE', api(home, '/TO_DELETE?confirm=TO_DELETE'))).status, 404);
  assert.equal(await rig.fl.secrets.resolver.resolve(home, 'TO_DELETE'), undefined);
  const ev = await rig.store.query<{ data: { name: string } }>("SELECT data FROM audit_events WHERE kind = 'secret.deleted'");
  assert.ok(ev.some((e) => e.data.name === 'TO_DELETE'));
});

test('org keys: status, verify (only the outcome), rotate online with progress, old key retired; all audited', async () => {
  const status = await owner.req('GET', api(home, '/_keys'));
  assert.equal(status.status, 200);
  const active = status.body.keys.find((k: { state: string }) => k.state === 'active');
  assert.ok(active.wrappedKeys >= 2, 'the stored values are wrapped to the active key');
  const again = await owner.req('POST', api(home, '/_keys/setup'));
  assert.equal(again.status, 409);
  const v = await owner.req('POST', api(home, '/_keys/verify'));
  assert.deepEqual(v.body, { ok: true, keyId: active.keyId, fingerprint: active.fingerprint });
  const rot = await owner.req('POST', api(home, '/_keys/rotate'));
  assert.equal(rot.status, 202, JSON.stringify(rot.body));
  assert.equal(rot.body.previousKeyId, active.keyId);
  assert.notEqual(rot.body.keyId, active.keyId);
  await rig.fl.secrets.keys.idle(home);
  const after = (await owner.req('GET', api(home, '/_keys'))).body;
  assert.equal(after.rotation.inProgress, false);
  assert.equal(after.rotation.remaining, 0);
  assert.equal(after.keys.find((k: { keyId: string }) => k.keyId === active.keyId).state, 'retired');
  assert.equal(after.keys.find((k: { keyId: string }) => k.keyId === rot.body.keyId).state, 'active');
  assert.equal((await owner.req('POST', api(home, '/_keys/verify'))).body.ok, true);
  assert.equal((await owner.req('POST', api(home, '/PROD_DB_PASSWORD/check'))).body.resolvable, true, 'values decrypt after the rotation');
  const kinds = (await rig.store.query<{ kind: string }>("SELECT kind FROM audit_events WHERE org_id = $1 AND kind LIKE 'secret.keys.%'", [home])).map((r) => r.kind);
  for (const k of ['secret.keys.setup', 'secret.keys.verified', 'secret.keys.rotation_started', 'secret.keys.rotated', 'secret.keys.retired']) assert.ok(kinds.includes(k), k);
});

test('cross-org: org B cannot list, read, check or detect org A secret names; the answers match a name that never existed', async () => {
  const outsider = await rig.signUp();
  const b = outsider.browser;
  const orgB = (await b.req('POST', '/api/v1/orgs', { name: `org-b-${Date.now()}` })).body.org.id as string;
  assert.deepEqual((await b.req('GET', api(orgB))).body.secrets, []);
  for (const suffix of ['', '/versions', '/usage']) {
    const existing = await b.req('GET', api(orgB, `/PROD_DB_PASSWORD${suffix}`));
    const never = await b.req('GET', api(orgB, `/NEVER_EXISTED${suffix}`));
    assert.equal(existing.status, 404);
    assert.equal(JSON.stringify(existing.body).replaceAll('PROD_DB_PASSWORD', 'X'), JSON.stringify(never.body).replaceAll('NEVER_EXISTED', 'X'));
  }
  const chk = await b.req('POST', api(orgB, '/PROD_DB_PASSWORD/check'));
  const chkNever = await b.req('POST', api(orgB, '/NEVER_EXISTED/check'));
  assert.equal(chk.status, 404);
  assert.equal(JSON.stringify(chk.body).replaceAll('PROD_DB_PASSWORD', 'X'), JSON.stringify(chkNever.body).replaceAll('NEVER_EXISTED', 'X'));
  const del = await b.req('DELETE', api(orgB, '/PROD_DB_PASSWORD?confirm=PROD_DB_PASSWORD'));
  assert.equal(del.status, 404);
  // Org B's own secret of the same name is a different secret; A's stays untouched.
  assert.equal((await b.req('PUT', api(orgB, '/PROD_DB_PASSWORD'), { value: 'org-b-own-value' })).body.version, 1);
  assert.equal((await owner.req('GET', api(home, '/PROD_DB_PASSWORD'))).body.secret.version, 2);
  // Org A's routes are closed to org B's user; references are the installation's only.
  assert.equal((await b.req('GET', api(home))).status, 404);
  const ref = await b.req('PUT', api(orgB, '/STEAL_ENV'), { reference: 'env:HOME' });
  assert.equal(ref.status, 403);
  assert.match(ref.body.error.message, /default organization/);
  // Its key status shows only its own key.
  const keys = (await b.req('GET', api(orgB, '/_keys'))).body.keys as { keyId: string }[];
  const homeKeys = (await owner.req('GET', api(home, '/_keys'))).body.keys as { keyId: string }[];
  assert.equal(keys.length, 1);
  assert.ok(!homeKeys.some((k) => k.keyId === keys[0]!.keyId));
});

test('the routes are in the OpenAPI document with their permissions', async () => {
  const doc = (await owner.req('GET', '/api/openapi.json')).body;
  assert.equal(doc.paths['/api/v1/orgs/{orgId}/secrets/{name}'].put['x-permission'], 'secrets.manage');
  assert.equal(doc.paths['/api/v1/orgs/{orgId}/secrets'].get['x-permission'], 'secrets.read');
  assert.ok(doc.paths['/api/v1/orgs/{orgId}/secrets/_keys/rotate'].post);
  assert.ok(doc.paths['/api/v1/orgs/{orgId}/secrets/_grants'].post);
});
