import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { backends, startApi, signUp, Browser, uniqueEmail, type Api, type Res } from './harness.ts';
import { startFakeOAuth, type FakeOAuth, type FakeProvider, type FakeUser } from '../fakes/oauth/server.ts';
import { providersFromConfig, OAuthConfigSchema } from '../../src/identity/oauth/index.ts';
import { createAuditWriter, type AuditWriter } from '../../src/audit/audit.writer.ts';
import { totpAt, TOTP_PERIOD_S } from '../../src/identity/totp.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * OAuth sign-in end to end: the identity API (real Fastify, real store) against the fake
 * GitHub / Yandex ID / VK ID server over real HTTP, through the providers' real client code.
 */
let seq = 0;
const providerUser = (tag: string, emails: FakeUser['emails']): FakeUser => ({ id: String(1_000_000 + Date.now() % 1_000_000 * 10 + seq++), login: `${tag}-${seq}`, name: `${tag} Person`, emails });
const verified = (email: string): FakeUser['emails'] => [{ email, verified: true, primary: true }];

function location(r: Res): string {
  assert.equal(r.status, 302, `expected a redirect, got ${r.status} ${JSON.stringify(r.body)}`);
  return String(r.headers.location);
}

/** The browser's round trip: start → provider (auto-consent) → callback. Returns the callback answer and URL. */
async function roundTrip(b: Browser, provider: FakeProvider, opts: { query?: string; callbackBrowser?: Browser; tamper?: (u: URL) => void } = {}) {
  const start = await b.req('GET', `/api/v1/auth/oauth/${provider}/start${opts.query ?? ''}`);
  const authorize = new URL(location(start));
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.ok((authorize.searchParams.get('code_challenge') ?? '').length >= 43, 'a PKCE challenge is sent');
  const atProvider = await fetch(authorize, { redirect: 'manual' });
  assert.equal(atProvider.status, 302);
  const cb = new URL(atProvider.headers.get('location')!);
  opts.tamper?.(cb);
  const callback = await (opts.callbackBrowser ?? b).req('GET', cb.pathname + cb.search);
  return { callback, url: cb.pathname + cb.search, to: location(callback) };
}

for (const [name, open] of backends) {
  let store: Store;
  let api: Api;
  let closedApi: Api;
  let fake: FakeOAuth;
  let audit: AuditWriter;
  let clockMs = Date.now();
  const step = () => Math.floor(clockMs / 1000 / TOTP_PERIOD_S);
  const auditKinds = async (userId: string) =>
    (await store.query<{ kind: string; data: { user_id: string; via: string; provider: string } }>("SELECT kind, data FROM audit_events WHERE kind LIKE 'user.identity.%'")).filter((e) => e.data.user_id === userId).map((e) => `${e.kind}:${e.data.provider}:${e.data.via}`);

  before(async () => {
    store = await open();
    fake = await startFakeOAuth();
    audit = createAuditWriter({ store });
    const secrets: Record<string, string> = { 'env:GH_SECRET': fake.clients.github.secret, 'env:YA_SECRET': fake.clients.yandex.secret };
    const c = fake.config();
    // The real config schema: base URLs pointed at the fake, secrets by reference.
    const cfg = OAuthConfigSchema.parse({ github: { ...c.github, clientSecret: 'env:GH_SECRET' }, yandex: { ...c.yandex, clientSecret: 'env:YA_SECRET' }, vk: c.vk });
    const providers = providersFromConfig(cfg, async (ref) => secrets[ref]);
    api = await startApi(store, { clock: () => clockMs, oauthProviders: providers, audit });
    closedApi = await startApi(store, { clock: () => clockMs, oauthProviders: providers, audit, signup: 'closed' });
    // The first account of the install exists, so "closed" really is closed below.
    await signUp(api, uniqueEmail('first'));
  });
  after(async () => {
    await api.close();
    await closedApi.close();
    await audit.close();
    await fake.close();
    await store.close();
  });

  test(`${name}: the providers endpoint lists the enabled providers`, async () => {
    const r = await new Browser(api).req('GET', '/api/v1/auth/providers');
    assert.deepEqual(r.body.providers.map((p: { id: string }) => p.id), ['github', 'yandex', 'vk']);
    assert.equal(r.body.providers[0].startUrl, '/api/v1/auth/oauth/github/start');
  });

  for (const provider of ['github', 'yandex', 'vk'] as const) {
    test(`${name}: ${provider}: a new account signs up, then signs in again to the same account`, async () => {
      const email = uniqueEmail(`new-${provider}`);
      fake.users[provider] = providerUser(provider, verified(email));
      const b = new Browser(api, '10.61.0.1');
      const planted = 'fl_sess_planted';
      b.jar.set('fl_session', planted);
      const { to, callback } = await roundTrip(b, provider);
      assert.equal(to, '/');
      assert.ok(callback.cookies.some((c) => c.name === 'fl_session' && c.value !== planted), 'a new session cookie is set');
      const me = await b.req('GET', '/api/v1/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.user.email, email);
      const ids = await b.req('GET', '/api/v1/me/identities');
      assert.deepEqual(ids.body.identities.map((i: { provider: string; linkedVia: string }) => `${i.provider}:${i.linkedVia}`), [`${provider}:sign-up`]);
      assert.equal(ids.body.passwordSet, false);
      assert.deepEqual(await auditKinds(me.body.user.id), [`user.identity.linked:${provider}:sign-up`]);

      const again = new Browser(api, '10.61.0.2');
      assert.equal((await roundTrip(again, provider)).to, '/');
      assert.equal((await again.req('GET', '/api/v1/me')).body.user.id, me.body.user.id, 'the same provider account signs in to the same user');
    });
  }

  test(`${name}: the state is bound to the browser, single use, and cannot be forged`, async () => {
    fake.users.github = providerUser('state', verified(uniqueEmail('state')));
    // Finished in another browser (no nonce cookie): refused.
    const other = new Browser(api, '10.62.0.9');
    const stolen = await roundTrip(new Browser(api, '10.62.0.1'), 'github', { callbackBrowser: other });
    assert.equal(stolen.to, '/console/sign-in?error=state_invalid');
    assert.equal((await other.req('GET', '/api/v1/me')).status, 401);

    // Replay of a used callback in the browser that started it: refused.
    const b = new Browser(api, '10.62.0.2');
    const ok = await roundTrip(b, 'github');
    assert.equal(ok.to, '/');
    const nonce = (await new Browser(api).req('GET', '/api/v1/auth/oauth/github/start')).cookies.find((c) => c.name === 'fl_oauth')!.value;
    const replay = new Browser(api, '10.62.0.3');
    replay.jar.set('fl_oauth', nonce);
    assert.equal(location(await replay.req('GET', ok.url)), '/console/sign-in?error=state_invalid', 'a used state is refused even with a live nonce');
    const again = await b.req('GET', ok.url);
    assert.equal(location(again), '/console/sign-in?error=state_invalid');

    // A forged state (the real code, another state): refused, and the code is never redeemed.
    const refusals = fake.refusals.length;
    const forged = await roundTrip(new Browser(api, '10.62.0.4'), 'github', { tamper: (u) => u.searchParams.set('state', 'fl_state_forged') });
    assert.equal(forged.to, '/console/sign-in?error=state_invalid');
    assert.equal(fake.refusals.length, refusals);

    // Expired: the row is past its time.
    const late = new Browser(api, '10.62.0.5');
    const start = await late.req('GET', '/api/v1/auth/oauth/github/start');
    await store.query("UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE used_at IS NULL");
    const cb = new URL((await fetch(location(start), { redirect: 'manual' })).headers.get('location')!);
    assert.equal(location(await late.req('GET', cb.pathname + cb.search)), '/console/sign-in?error=state_invalid');
  });

  test(`${name}: a wrong PKCE verifier is refused by the provider and nobody signs in`, async () => {
    for (const provider of ['github', 'yandex', 'vk'] as const) {
      fake.users[provider] = providerUser('pkce', verified(uniqueEmail(`pkce-${provider}`)));
      const b = new Browser(api, '10.63.0.1');
      const start = await b.req('GET', `/api/v1/auth/oauth/${provider}/start`);
      // The stored verifier is swapped, as if the code had been started by someone else.
      await store.query("UPDATE oauth_states SET code_verifier = 'x-wrong-verifier-x-wrong-verifier-x-wrong-verifier' WHERE used_at IS NULL AND provider = $1", [provider]);
      const cb = new URL((await fetch(location(start), { redirect: 'manual' })).headers.get('location')!);
      assert.equal(location(await b.req('GET', cb.pathname + cb.search)), '/console/sign-in?error=exchange_failed');
      assert.equal(fake.refusals.at(-1)?.reason, 'code_verifier does not match the challenge');
      assert.equal(fake.refusals.at(-1)?.provider, provider);
      assert.equal((await b.req('GET', '/api/v1/me')).status, 401);
    }
  });

  test(`${name}: an unverified address never links to an existing account`, async () => {
    const email = uniqueEmail('unverified');
    const owner = await signUp(api, email);
    const users = Number((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0]!.n);
    fake.users.github = providerUser('unv', [{ email, verified: false, primary: true }]);
    const b = new Browser(api, '10.64.0.1');
    assert.equal((await roundTrip(b, 'github')).to, '/console/sign-in?error=email_unverified');
    assert.equal((await b.req('GET', '/api/v1/me')).status, 401);
    assert.deepEqual((await owner.req('GET', '/api/v1/me/identities')).body.identities, []);
    assert.equal(Number((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0]!.n), users, 'no account was created');
    // With another, verified address: a new account for that one; the existing account is untouched.
    const other = uniqueEmail('other');
    fake.users.github = providerUser('unv2', [{ email, verified: false, primary: true }, { email: other, verified: true, primary: false }]);
    const c = new Browser(api, '10.64.0.2');
    assert.equal((await roundTrip(c, 'github')).to, '/');
    assert.equal((await c.req('GET', '/api/v1/me')).body.user.email, other);
    assert.deepEqual((await owner.req('GET', '/api/v1/me/identities')).body.identities, []);
  });

  test(`${name}: a verified address links to the existing account (recorded and audited)`, async () => {
    const email = uniqueEmail('link');
    const owner = await signUp(api, email);
    const userId = (await owner.req('GET', '/api/v1/me')).body.user.id;
    fake.users.yandex = providerUser('link', verified(email.toUpperCase()));
    const b = new Browser(api, '10.65.0.1');
    assert.equal((await roundTrip(b, 'yandex')).to, '/');
    assert.equal((await b.req('GET', '/api/v1/me')).body.user.id, userId);
    const ids = (await owner.req('GET', '/api/v1/me/identities')).body;
    assert.deepEqual(ids.identities.map((i: { provider: string; linkedVia: string; email: string }) => [i.provider, i.linkedVia, i.email]), [['yandex', 'email', email]]);
    assert.equal(ids.passwordSet, true);
    assert.deepEqual(await auditKinds(userId), ['user.identity.linked:yandex:email']);
  });

  test(`${name}: an account with TOTP still has to give a code after OAuth`, async () => {
    const email = uniqueEmail('totp-oauth');
    const owner = await signUp(api, email);
    const key = decodeBase32IgnorePadding((await owner.req('POST', '/api/v1/me/2fa/setup')).body.secret);
    assert.equal((await owner.req('POST', '/api/v1/me/2fa/enable', { code: totpAt(key, step()) })).status, 200);
    clockMs += TOTP_PERIOD_S * 1000;
    fake.users.vk = providerUser('totp', verified(email));
    const b = new Browser(api, '10.66.0.1');
    assert.equal((await roundTrip(b, 'vk')).to, '/console/sign-in?mfa=1');
    assert.equal((await b.req('GET', '/api/v1/me')).status, 401, 'the OAuth session waits for the second factor');
    assert.equal((await b.req('POST', '/api/v1/auth/2fa', { code: '000000' === totpAt(key, step()) ? '111111' : '000000' })).status, 401);
    assert.equal((await b.req('POST', '/api/v1/auth/2fa', { code: totpAt(key, step()) })).status, 200);
    assert.equal((await b.req('GET', '/api/v1/me')).body.user.email, email);
  });

  test(`${name}: link and unlink from the account; the last way to sign in cannot be unlinked`, async () => {
    const email = uniqueEmail('only-oauth');
    fake.users.github = providerUser('only', verified(email));
    const b = new Browser(api, '10.67.0.1');
    assert.equal((await roundTrip(b, 'github')).to, '/');
    const [gh] = (await b.req('GET', '/api/v1/me/identities')).body.identities;
    const refused = await b.req('DELETE', `/api/v1/me/identities/${gh.id}`);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /only way to sign in/);

    // Link Yandex from the account page (a CSRF-protected POST gives the URL).
    assert.equal((await b.req('POST', '/api/v1/me/identities/yandex/link', undefined, { csrf: false })).body.error.code, 'csrf_failed');
    fake.users.yandex = providerUser('only-ya', verified(uniqueEmail('ya-other-address')));
    const link = await b.req('POST', '/api/v1/me/identities/yandex/link');
    assert.equal(link.status, 200);
    const cb = new URL((await fetch(link.body.authorizationUrl, { redirect: 'manual' })).headers.get('location')!);
    assert.equal(location(await b.req('GET', cb.pathname + cb.search)), '/console/account?linked=yandex');
    const ids = (await b.req('GET', '/api/v1/me/identities')).body.identities;
    assert.deepEqual(ids.map((i: { provider: string }) => i.provider).sort(), ['github', 'yandex']);
    assert.equal((await b.req('DELETE', `/api/v1/me/identities/${gh.id}`)).status, 204);
    const ya = ids.find((i: { provider: string }) => i.provider === 'yandex');
    assert.equal((await b.req('DELETE', `/api/v1/me/identities/${ya.id}`)).status, 409);
    const userId = (await b.req('GET', '/api/v1/me')).body.user.id;
    assert.deepEqual((await auditKinds(userId)).sort(), ['user.identity.linked:github:sign-up', 'user.identity.linked:yandex:account', 'user.identity.unlinked:github:sign-up']);

    // A provider account linked to someone else cannot be linked here.
    const intruder = await signUp(api, uniqueEmail('intruder'));
    const l2 = await intruder.req('POST', '/api/v1/me/identities/yandex/link');
    const cb2 = new URL((await fetch(l2.body.authorizationUrl, { redirect: 'manual' })).headers.get('location')!);
    assert.equal(location(await intruder.req('GET', cb2.pathname + cb2.search)), '/console/account?error=identity_in_use');
    // Someone else's identity id is not found (not "refused").
    assert.equal((await intruder.req('DELETE', `/api/v1/me/identities/${ya.id}`)).status, 404);
  });

  test(`${name}: closed sign-up: no new account without an invite; an invite for the verified address works once`, async () => {
    const email = uniqueEmail('closed');
    fake.users.github = providerUser('closed', verified(email));
    const b = new Browser(closedApi, '10.68.0.1');
    assert.equal((await roundTrip(b, 'github')).to, '/console/sign-in?error=signup_closed');
    assert.equal((await store.query('SELECT id FROM users WHERE email = $1', [email])).length, 0);

    const admin = await signUp(api, uniqueEmail('closed-admin'));
    const orgId = (await admin.req('POST', '/api/v1/orgs', { name: `closed-${Date.now()}` })).body.org.id;
    const wrong = decodeURIComponent((await admin.req('POST', `/api/v1/orgs/${orgId}/invites`, { email: uniqueEmail('someone-else'), role: 'viewer' })).body.link.split('token=')[1]);
    assert.equal((await roundTrip(b, 'github', { query: `?invite=${encodeURIComponent(wrong)}` })).to, '/console/sign-in?error=invite_invalid');
    const token = decodeURIComponent((await admin.req('POST', `/api/v1/orgs/${orgId}/invites`, { email, role: 'viewer' })).body.link.split('token=')[1]);
    assert.equal((await roundTrip(b, 'github', { query: `?invite=${encodeURIComponent(token)}` })).to, '/');
    const me = (await b.req('GET', '/api/v1/me')).body;
    assert.equal(me.user.email, email);
    assert.deepEqual(me.orgs.map((o: { id: string; role: string }) => [o.id, o.role]), [[orgId, 'viewer']]);
  });

  test(`${name}: flows started from one address are limited (each one stores a row before anyone is known)`, async () => {
    const ip = `10.70.${Math.floor(Math.random() * 250)}.1`;
    for (let i = 0; i < 30; i++) assert.notEqual(location(await new Browser(api, ip).req('GET', '/api/v1/auth/oauth/github/start')), '/console/sign-in?error=rate_limited');
    assert.equal(location(await new Browser(api, ip).req('GET', '/api/v1/auth/oauth/github/start')), '/console/sign-in?error=rate_limited');
    assert.match(location(await new Browser(api, '10.71.0.1').req('GET', '/api/v1/auth/oauth/github/start')), /^http/, 'another address is not affected');
  });

  test(`${name}: a refusal at the provider, and an unknown provider, end on the sign-in page with a code`, async () => {
    fake.deny = true;
    try {
      assert.equal((await roundTrip(new Browser(api, '10.69.0.1'), 'github')).to, '/console/sign-in?error=access_denied');
    } finally {
      fake.deny = false;
    }
    assert.equal(location(await new Browser(api).req('GET', '/api/v1/auth/oauth/google/start')), '/console/sign-in?error=provider_unknown');
    assert.equal(location(await new Browser(api).req('GET', '/api/v1/auth/oauth/google/callback?state=x&code=y')), '/console/sign-in?error=provider_unknown');
  });
}
