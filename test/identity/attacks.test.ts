import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { backends, startApi, signUp, Browser, PASSWORD, uniqueEmail, waitFor, type Api } from './harness.ts';
import { totpAt, TOTP_PERIOD_S } from '../../src/identity/totp.ts';
import { LIMITS } from '../../src/identity/accounts.service.ts';
import type { Store } from '../../src/store/store.ts';

// The attacks issue 6 names, each against the HTTP surface, on both stores.
for (const [name, open] of backends) {
  let store: Store;
  let api: Api;
  let clockMs = Date.now();
  const step = () => Math.floor(clockMs / 1000 / TOTP_PERIOD_S);
  before(async () => {
    store = await open();
    api = await startApi(store, { clock: () => clockMs });
  });
  after(async () => {
    await api.close();
    await store.close();
  });

  test(`${name}: CSRF: a cookie request without the token, with a wrong one, or from a foreign Origin changes nothing`, async () => {
    const b = await signUp(api);
    for (const [opts, why] of [
      [{ csrf: false }, 'no token'],
      [{ csrf: false, headers: { 'x-csrf-token': 'fl_csrf_forged' } }, 'wrong token'],
      [{ headers: { origin: 'https://evil.example' } }, 'foreign Origin'],
      [{ headers: { 'sec-fetch-site': 'cross-site' } }, 'cross-site fetch'],
    ] as const) {
      const r = await b.req('POST', '/api/v1/orgs', { name: `csrf-${Date.now()}` }, opts as never);
      assert.equal(r.status, 403, why);
      assert.equal(r.body.error.code, 'csrf_failed', why);
    }
    assert.equal((await b.req('GET', '/api/v1/orgs')).body.orgs.filter((o: { name: string }) => o.name.startsWith('csrf-')).length, 0, 'no org was created');
    // A cross-site HTML form can only send form or text bodies: refused before any handler.
    const form = await api.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'email=a@b.cd&password=x' });
    assert.equal(form.statusCode, 415);
    // The same-origin console passes.
    assert.equal((await b.req('POST', '/api/v1/orgs', { name: `ok-${Date.now()}` }, { headers: { origin: 'http://localhost:80', host: 'localhost:80' } })).status, 201);
  });

  test(`${name}: session fixation: sign-in ignores a planted cookie and issues a new session id`, async () => {
    const email = uniqueEmail('fix');
    const victim = await signUp(api, email);
    await victim.req('POST', '/api/v1/auth/sign-out');
    const attacker = await signUp(api);
    const planted = attacker.jar.get('fl_session')!;
    victim.jar.set('fl_session', planted); // the attacker's cookie, planted in the victim's browser
    const r = await victim.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD });
    assert.equal(r.status, 200);
    assert.notEqual(victim.jar.get('fl_session'), planted);
    assert.equal((await victim.req('GET', '/api/v1/me')).body.user.email, email);
    assert.notEqual((await attacker.req('GET', '/api/v1/me')).body.user.email, email, 'the planted session never becomes the victim');
    // And a second sign-in in the same browser gets yet another id.
    const first = victim.jar.get('fl_session');
    await victim.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD });
    assert.notEqual(victim.jar.get('fl_session'), first);
  });

  test(`${name}: a revoked session is refused on its next request`, async () => {
    const email = uniqueEmail();
    const a = await signUp(api, email);
    const stolen = new Browser(api, '10.9.9.9');
    stolen.jar = new Map(a.jar);
    const sessions = (await a.req('GET', '/api/v1/me/sessions')).body.sessions;
    await a.req('POST', '/api/v1/auth/sign-out');
    assert.equal(sessions.length, 1);
    const r = await stolen.req('GET', '/api/v1/me');
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'unauthorized');
  });

  test(`${name}: an expired invite (and a used one, and one for another address) is refused`, async () => {
    const owner = await signUp(api);
    const org = (await owner.req('POST', '/api/v1/orgs', { name: `inv-${Date.now()}` })).body.org;
    const email = uniqueEmail('inv');
    const invitee = await signUp(api, email);
    const link = (await owner.req('POST', `/api/v1/orgs/${org.id}/invites`, { email, role: 'viewer' })).body.link as string;
    const token = decodeURIComponent(link.split('token=')[1]!);
    await store.query("UPDATE invites SET expires_at = now() - interval '1 second' WHERE org_id = $1", [org.id]); // a week passes
    const r = await invitee.req('POST', '/api/v1/invites/accept', { token });
    assert.equal(r.body.error.code, 'invalid_token');
    assert.equal((await invitee.req('GET', `/api/v1/orgs/${org.id}`)).status, 404);

    const link2 = (await owner.req('POST', `/api/v1/orgs/${org.id}/invites`, { email, role: 'viewer' })).body.link as string;
    const token2 = decodeURIComponent(link2.split('token=')[1]!);
    const other = await signUp(api);
    assert.equal((await other.req('POST', '/api/v1/invites/accept', { token: token2 })).body.error.code, 'invalid_token', 'the link only works for the invited address');
    assert.equal((await invitee.req('POST', '/api/v1/invites/accept', { token: token2 })).status, 200);
    assert.equal((await invitee.req('POST', '/api/v1/invites/accept', { token: token2 })).body.error.code, 'invalid_token', 'single use');
  });

  test(`${name}: a TOTP code cannot be replayed within its window (nor an older one)`, async () => {
    const email = uniqueEmail('replay');
    const b = await signUp(api, email);
    const key = decodeBase32IgnorePadding((await b.req('POST', '/api/v1/me/2fa/setup')).body.secret);
    await b.req('POST', '/api/v1/me/2fa/enable', { code: totpAt(key, step()) });
    clockMs += TOTP_PERIOD_S * 1000;
    const code = totpAt(key, step());
    const one = new Browser(api, '10.8.0.1');
    await one.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD });
    assert.equal((await one.req('POST', '/api/v1/auth/2fa', { code })).status, 200);
    const two = new Browser(api, '10.8.0.2');
    await two.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD });
    const replay = await two.req('POST', '/api/v1/auth/2fa', { code });
    assert.equal(replay.status, 401, 'same code, same window');
    assert.equal(replay.body.error.code, 'invalid_credentials');
    assert.equal((await two.req('POST', '/api/v1/auth/2fa', { code: totpAt(key, step() - 1) })).status, 401, 'the previous step is spent too');
    clockMs += TOTP_PERIOD_S * 1000;
    assert.equal((await two.req('POST', '/api/v1/auth/2fa', { code: totpAt(key, step()) })).status, 200, 'the next window works');
  });

  test(`${name}: no user enumeration: same answer for unknown address and wrong password, and both run argon2`, async () => {
    const email = uniqueEmail('enum');
    await signUp(api, email);
    const b = new Browser(api, '10.7.0.1');
    const v0 = api.hashes.verify;
    const wrong = await b.req('POST', '/api/v1/auth/sign-in', { email, password: 'wrong password here' });
    const v1 = api.hashes.verify;
    const unknown = await b.req('POST', '/api/v1/auth/sign-in', { email: uniqueEmail('nobody'), password: 'wrong password here' });
    const v2 = api.hashes.verify;
    assert.equal(wrong.status, unknown.status);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(v1 - v0, 1, 'wrong password: one argon2 verification');
    assert.equal(v2 - v1, 1, 'unknown address: one argon2 verification too (against a dummy hash)');

    const before = api.outbox.length;
    const known = await b.req('POST', '/api/v1/auth/password/forgot', { email });
    const nobody = await b.req('POST', '/api/v1/auth/password/forgot', { email: uniqueEmail('nobody') });
    assert.equal(known.status, 202);
    assert.deepEqual(known.body, nobody.body);
    assert.match(known.body.message, /if an account exists/);
    await waitFor(() => (api.outbox.length > before ? true : undefined));
    assert.equal(api.outbox.length, before + 1, 'only the real address gets mail');
  });

  test(`${name}: brute force: the account locks after ${LIMITS.accountFailures} failures, even for the right password, and unknown addresses lock the same way`, async () => {
    const email = uniqueEmail('brute');
    await signUp(api, email);
    const attacker = new Browser(api, '10.6.0.1');
    for (let i = 0; i < LIMITS.accountFailures; i++) assert.equal((await attacker.req('POST', '/api/v1/auth/sign-in', { email, password: `guess number ${i}!` })).status, 401);
    const locked = await attacker.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD });
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error.code, 'rate_limited');
    assert.equal((await new Browser(api, '10.6.0.2').req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD })).status, 429, 'per account, from any address');
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < LIMITS.accountFailures; i++) await attacker.req('POST', '/api/v1/auth/sign-in', { email: ghost, password: `guess number ${i}!` });
    assert.deepEqual((await attacker.req('POST', '/api/v1/auth/sign-in', { email: ghost, password: 'x' })).body, locked.body, 'a lock does not reveal existence');
    await store.query("UPDATE auth_throttle SET locked_until = now() - interval '1 second' WHERE key = $1", [`acct:${email}`]); // the lock runs out
    assert.equal((await attacker.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD })).status, 200);
  });

  test(`${name}: brute force: one address trying many accounts is locked out`, async () => {
    const spray = new Browser(api, '10.66.0.1');
    for (let i = 0; i < LIMITS.addressFailures; i++) await spray.req('POST', '/api/v1/auth/sign-in', { email: uniqueEmail(`spray${i}`), password: 'Winter2026!winter' });
    const email = uniqueEmail('sprayed');
    await signUp(api, email, '10.66.0.2');
    assert.equal((await spray.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD })).status, 429);
    assert.equal((await new Browser(api, '10.66.0.3').req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD })).status, 200, 'other addresses are not affected');
  });
}
