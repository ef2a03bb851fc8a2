import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateCodeVerifier } from 'arctic';
import { startFakeOAuth, type FakeOAuth } from '../fakes/oauth/server.ts';
import { providersFromConfig, OAuthConfigSchema, type OAuthProvider } from '../../src/identity/oauth/index.ts';
import { ProviderError } from '../../src/identity/oauth/provider.ts';

/**
 * The contract of `OAuthProvider` (GitHub, Yandex ID, VK ID), run against the fake in
 * test/fakes/oauth/ through the real client code: authorization URL with PKCE S256, code
 * exchange, verified profile; a wrong verifier, a reused code and a wrong secret are refused.
 */
let fake: FakeOAuth;
let providers: OAuthProvider[];
let secrets: Record<string, string | undefined>;
const redirectUri = 'http://console.test/api/v1/auth/oauth/x/callback';

before(async () => {
  fake = await startFakeOAuth();
  secrets = { 'env:GH': fake.clients.github.secret, 'env:YA': fake.clients.yandex.secret };
  const c = fake.config();
  providers = providersFromConfig(OAuthConfigSchema.parse({ github: { ...c.github, clientSecret: 'env:GH' }, yandex: { ...c.yandex, clientSecret: 'env:YA' }, vk: c.vk }), async (ref) => secrets[ref]);
});
after(async () => fake.close());

/** Sends the "browser" to the provider and returns the callback's query. */
async function authorize(p: OAuthProvider, verifier: string, state = 'st-1'): Promise<Record<string, string>> {
  const url = p.authorizationUrl({ state, codeVerifier: verifier, redirectUri });
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(url.searchParams.get('state'), state);
  assert.equal(url.searchParams.get('redirect_uri'), redirectUri);
  const r = await fetch(url, { redirect: 'manual' });
  assert.equal(r.status, 302);
  const back = new URL(r.headers.get('location')!);
  assert.equal(back.origin + back.pathname, redirectUri);
  return Object.fromEntries(back.searchParams);
}

for (const id of ['github', 'yandex', 'vk'] as const) {
  test(`${id}: code → token → profile with verified addresses only`, async () => {
    const p = providers.find((x) => x.id === id)!;
    fake.users[id] = { id: '4242', login: `${id}-login`, name: 'Ada Lovelace', emails: [{ email: 'ada@example.test', verified: true, primary: true }, { email: 'old@example.test', verified: false, primary: false }] };
    const verifier = generateCodeVerifier();
    const q = await authorize(p, verifier);
    assert.equal(q.state, 'st-1');
    if (id === 'vk') assert.ok(q.device_id, 'VK ID sends a device_id');
    const token = await p.exchange({ code: q.code!, codeVerifier: verifier, redirectUri, state: 'st-1', query: q });
    const profile = await p.profile(token);
    assert.equal(profile.subject, '4242');
    assert.ok(profile.name.includes('Ada'));
    const verified = profile.emails.filter((e) => e.verified).map((e) => e.address);
    assert.deepEqual(verified, ['ada@example.test']);
    assert.ok(!profile.emails.some((e) => e.address === 'old@example.test' && e.verified));
    // The code is single use.
    await assert.rejects(() => p.exchange({ code: q.code!, codeVerifier: verifier, redirectUri, state: 'st-1', query: q }), (e) => e instanceof ProviderError && e.stage === 'exchange');
  });

  test(`${id}: a wrong code_verifier is refused`, async () => {
    const p = providers.find((x) => x.id === id)!;
    fake.users[id] = { id: '4343', login: 'x', name: 'X', emails: [] };
    const q = await authorize(p, generateCodeVerifier());
    await assert.rejects(() => p.exchange({ code: q.code!, codeVerifier: generateCodeVerifier(), redirectUri, state: 'st-1', query: q }), (e) => e instanceof ProviderError && e.stage === 'exchange' && !e.message.includes(q.code!));
    assert.deepEqual(fake.refusals.at(-1), { provider: id, reason: 'code_verifier does not match the challenge' });
  });

  test(`${id}: a token the provider does not know gets no profile`, async () => {
    const p = providers.find((x) => x.id === id)!;
    await assert.rejects(() => p.profile('not-a-token'), (e) => e instanceof ProviderError && e.stage === 'profile');
  });
}

test('a missing client secret fails the exchange with a message naming the key, never a value', async () => {
  const p = providers.find((x) => x.id === 'github')!;
  fake.users.github = { id: '1', login: 'g', name: 'G', emails: [] };
  const verifier = generateCodeVerifier();
  const q = await authorize(p, verifier);
  const saved = secrets['env:GH'];
  secrets['env:GH'] = undefined;
  try {
    await assert.rejects(() => p.exchange({ code: q.code!, codeVerifier: verifier, redirectUri, state: 'st-1', query: q }), /identity\.oauth\.github\.clientSecret/);
  } finally {
    secrets['env:GH'] = saved;
  }
  secrets['env:GH'] = 'wrong-secret';
  try {
    const q2 = await authorize(p, verifier);
    await assert.rejects(() => p.exchange({ code: q2.code!, codeVerifier: verifier, redirectUri, state: 'st-1', query: q2 }), (e) => e instanceof ProviderError && !e.message.includes('wrong-secret'));
    assert.equal(fake.refusals.at(-1)?.reason, 'wrong client secret');
  } finally {
    secrets['env:GH'] = saved;
  }
});

test('the config schema refuses unknown keys and non-URL base addresses, naming them', () => {
  const bad = OAuthConfigSchema.safeParse({ github: { clientId: 'a', clientSecret: 'env:X', baseUrl: 'ftp://x' }, gitlab: {} });
  assert.equal(bad.success, false);
  const text = JSON.stringify(bad.error?.issues);
  assert.match(text, /baseUrl/);
  assert.match(text, /gitlab/);
  assert.equal(OAuthConfigSchema.safeParse({ github: { clientId: 'a', clientSecret: 'has space' } }).success, false);
});
