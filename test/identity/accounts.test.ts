import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { backends, startApi, signUp, Browser, PASSWORD, uniqueEmail, waitFor, type Api } from './harness.ts';
import { totpAt, TOTP_PERIOD_S } from '../../src/identity/totp.ts';
import type { Store } from '../../src/store/store.ts';

// Every flow of the people side, on both stores.
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

  test(`${name}: the first account owns the default org; later ones own nothing`, async () => {
    const first = await signUp(api);
    const me = await first.req('GET', '/api/v1/me');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.orgs.map((o: { name: string; role: string }) => [o.name, o.role]), [['default', 'owner']]);
    const second = await signUp(api);
    assert.deepEqual((await second.req('GET', '/api/v1/me')).body.orgs, []);
  });

  test(`${name}: sign-up validates the address and the password policy; duplicates conflict`, async () => {
    const b = new Browser(api, '10.1.0.1');
    assert.equal((await b.req('POST', '/api/v1/auth/sign-up', { email: 'not-an-address', password: PASSWORD })).body.error.code, 'invalid_params');
    for (const weak of ['short', 'aaaaaaaaaaaaaaaa', 'password12345678']) {
      const r = await b.req('POST', '/api/v1/auth/sign-up', { email: uniqueEmail(), password: weak });
      assert.equal(r.status, 400, weak);
      assert.equal(r.body.error.code, 'weak_password', weak);
    }
    const email = uniqueEmail('dup');
    await signUp(api, email, '10.1.0.2');
    const r = await new Browser(api, '10.1.0.2').req('POST', '/api/v1/auth/sign-up', { email: email.toUpperCase(), password: PASSWORD });
    assert.equal(r.body.error.code, 'conflict');
  });

  test(`${name}: sign-in, me, sessions list and revoke, sign-out`, async () => {
    const email = uniqueEmail();
    await signUp(api, email);
    const laptop = new Browser(api, '10.2.0.1');
    const phone = new Browser(api, '10.2.0.2');
    assert.equal((await laptop.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD })).status, 200);
    assert.equal((await phone.req('POST', '/api/v1/auth/sign-in', { email: ` ${email.toUpperCase()} `, password: PASSWORD })).status, 200);
    const list = await laptop.req('GET', '/api/v1/me/sessions');
    assert.equal(list.body.sessions.length, 3, 'sign-up session + two sign-ins');
    const phoneSession = (await phone.req('GET', '/api/v1/me/sessions')).body.sessions.find((s: { current: boolean }) => s.current);
    assert.equal((await laptop.req('DELETE', `/api/v1/me/sessions/${phoneSession.id}`)).status, 204);
    assert.equal((await phone.req('GET', '/api/v1/me')).status, 401, 'a revoked session stops at once');
    assert.equal((await laptop.req('POST', '/api/v1/auth/sign-out')).status, 204);
    assert.equal(laptop.jar.size, 0, 'cookies cleared');
    assert.equal((await laptop.req('GET', '/api/v1/me')).status, 401);
  });

  test(`${name}: cookies are httpOnly (session), SameSite=Lax, and Secure when configured or over https`, async () => {
    const r = await api.app.inject({ method: 'POST', url: '/api/v1/auth/sign-up', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, payload: JSON.stringify({ email: uniqueEmail(), password: PASSWORD }) });
    const raw = ([] as string[]).concat(r.headers['set-cookie'] as string | string[]);
    const session = raw.find((c) => c.startsWith('fl_session='))!;
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Lax/);
    assert.doesNotMatch(raw.find((c) => c.startsWith('fl_csrf='))!, /HttpOnly/, 'the console reads the CSRF cookie');
    assert.doesNotMatch(session, /Secure/, "plain http with secureCookies 'auto'");
    const tls = await startApi(store, { secureCookies: true });
    try {
      const s = await tls.app.inject({ method: 'POST', url: '/api/v1/auth/sign-up', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: uniqueEmail(), password: PASSWORD }) });
      for (const c of ([] as string[]).concat(s.headers['set-cookie'] as string | string[])) assert.match(c, /; Secure/);
    } finally {
      await tls.close();
    }
  });

  test(`${name}: password change ends other sessions and rotates this one`, async () => {
    const email = uniqueEmail();
    const a = await signUp(api, email);
    const other = new Browser(api, '10.3.0.2');
    await other.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD });
    const before = a.jar.get('fl_session');
    const r = await a.req('POST', '/api/v1/me/password', { currentPassword: PASSWORD, newPassword: 'a much better passphrase' });
    assert.equal(r.status, 200);
    assert.notEqual(a.jar.get('fl_session'), before);
    assert.equal((await a.req('GET', '/api/v1/me')).status, 200);
    assert.equal((await other.req('GET', '/api/v1/me')).status, 401);
    const wrong = await a.req('POST', '/api/v1/me/password', { currentPassword: 'nope nope nope', newPassword: 'another good passphrase' });
    assert.equal(wrong.body.error.code, 'invalid_credentials');
  });

  test(`${name}: password reset by mailed single-use link ends every session`, async () => {
    const email = uniqueEmail('reset');
    const b = await signUp(api, email);
    const anon = new Browser(api, '10.4.0.1');
    const r = await anon.req('POST', '/api/v1/auth/password/forgot', { email });
    assert.equal(r.status, 202);
    const mail = await waitFor(() => api.outbox.find((m) => m.to === email));
    const token = decodeURIComponent(/token=([^\s]+)/.exec(mail.text)![1]!);
    assert.match(mail.text, /^http:\/\/console\.test\/reset-password#token=/m);
    const weak = await anon.req('POST', '/api/v1/auth/password/reset', { token, password: 'short' });
    assert.equal(weak.body.error.code, 'weak_password', 'a rejected password does not spend the token');
    assert.equal((await anon.req('POST', '/api/v1/auth/password/reset', { token, password: 'brand new passphrase' })).status, 204);
    assert.equal((await anon.req('POST', '/api/v1/auth/password/reset', { token, password: 'another new passphrase' })).body.error.code, 'invalid_token', 'single use');
    assert.equal((await b.req('GET', '/api/v1/me')).status, 401, 'old sessions end');
    assert.equal((await anon.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD })).status, 401);
    assert.equal((await anon.req('POST', '/api/v1/auth/sign-in', { email, password: 'brand new passphrase' })).status, 200);
  });

  test(`${name}: an expired reset token is refused`, async () => {
    const email = uniqueEmail('rexp');
    await signUp(api, email);
    await new Browser(api, '10.4.1.1').req('POST', '/api/v1/auth/password/forgot', { email });
    const mail = await waitFor(() => api.outbox.find((m) => m.to === email));
    const token = decodeURIComponent(/token=([^\s]+)/.exec(mail.text)![1]!);
    await store.query("UPDATE password_resets SET expires_at = now() - interval '1 second'"); // time passes
    const r = await new Browser(api, '10.4.1.1').req('POST', '/api/v1/auth/password/reset', { token, password: 'brand new passphrase' });
    assert.equal(r.body.error.code, 'invalid_token');
  });

  test(`${name}: TOTP enrolment, sign-in with a code, then with a recovery code (once)`, async () => {
    const email = uniqueEmail('totp');
    const b = await signUp(api, email);
    const setup = await b.req('POST', '/api/v1/me/2fa/setup');
    assert.match(setup.body.uri, /^otpauth:\/\/totp\/FlowLink:/);
    const key = decodeBase32IgnorePadding(setup.body.secret);
    assert.equal((await b.req('POST', '/api/v1/me/2fa/enable', { code: '000000' === totpAt(key, step()) ? '111111' : '000000' })).body.error.code, 'invalid_credentials');
    const before = b.jar.get('fl_session');
    const en = await b.req('POST', '/api/v1/me/2fa/enable', { code: totpAt(key, step()) });
    assert.equal(en.status, 200);
    assert.equal(en.body.recoveryCodes.length, 10);
    assert.notEqual(b.jar.get('fl_session'), before, 'privilege change rotates the session');

    clockMs += TOTP_PERIOD_S * 1000;
    const c = new Browser(api, '10.5.0.1');
    const s1 = await c.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD });
    assert.equal(s1.body.mfaRequired, true);
    assert.equal((await c.req('GET', '/api/v1/me')).status, 401, 'a pending session is not signed in');
    assert.equal((await c.req('POST', '/api/v1/auth/2fa', { code: totpAt(key, step()) })).status, 200);
    assert.equal((await c.req('GET', '/api/v1/me')).body.user.twoFactorEnabled, true);

    const d = new Browser(api, '10.5.0.2');
    await d.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD });
    const rc = en.body.recoveryCodes[0];
    assert.equal((await d.req('POST', '/api/v1/auth/2fa', { recoveryCode: rc.toUpperCase() })).status, 200);
    const e = new Browser(api, '10.5.0.3');
    await e.req('POST', '/api/v1/auth/sign-in', { email, password: PASSWORD });
    assert.equal((await e.req('POST', '/api/v1/auth/2fa', { recoveryCode: rc })).body.error.code, 'invalid_credentials', 'a recovery code works once');

    clockMs += TOTP_PERIOD_S * 1000;
    const off = await c.req('POST', '/api/v1/me/2fa/disable', { password: PASSWORD, code: totpAt(key, step()) });
    assert.equal(off.status, 200);
    assert.equal((await c.req('GET', '/api/v1/me')).body.user.twoFactorEnabled, false);
  });

  test(`${name}: an org can require 2FA of its members`, async () => {
    const owner = await signUp(api);
    const org = (await owner.req('POST', '/api/v1/orgs', { name: `mfa-${Date.now()}` })).body.org;
    const setup = await owner.req('POST', '/api/v1/me/2fa/setup');
    const key = decodeBase32IgnorePadding(setup.body.secret);
    clockMs += TOTP_PERIOD_S * 1000;
    await owner.req('POST', '/api/v1/me/2fa/enable', { code: totpAt(key, step()) });
    assert.equal((await owner.req('PATCH', `/api/v1/orgs/${org.id}`, { requireMfa: true })).body.requireMfa, true);
    const email = uniqueEmail('nomfa');
    const member = await signUp(api, email);
    const inv = await owner.req('POST', `/api/v1/orgs/${org.id}/invites`, { email, role: 'viewer' });
    await member.req('POST', '/api/v1/invites/accept', { token: decodeURIComponent(inv.body.link.split('token=')[1]) });
    const r = await member.req('GET', `/api/v1/orgs/${org.id}/agents`);
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'mfa_enrollment_required');
    assert.equal((await owner.req('GET', `/api/v1/orgs/${org.id}/agents`)).status, 200);
  });
}
