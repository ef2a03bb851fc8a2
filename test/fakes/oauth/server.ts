import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for GitHub, Yandex ID and VK ID speaking their endpoints' formats:
 *
 * - GitHub: GET /github/login/oauth/authorize → 302 ?code&state; POST /github/login/oauth/access_token
 *   (form, HTTP Basic client auth, PKCE) → 200 JSON, errors as 200 `{error: "bad_verification_code"}`;
 *   GET /github-api/user, /github-api/user/emails (Bearer).
 * - Yandex: GET /yandex/authorize; POST /yandex/token (Basic or body credentials) → 400
 *   `{error: "invalid_grant", error_description}` on errors; GET /yandex-login/info?format=json
 *   with `Authorization: OAuth <token>`.
 * - VK ID: GET /vk/authorize → 302 ?code&state&device_id&type=code_v2; POST /vk/oauth2/auth
 *   (form with client_id, device_id, code_verifier; no secret); POST /vk/oauth2/user_info
 *   (form client_id, access_token) → `{user: {...}}`.
 *
 * The provider-side "signed-in user" of each provider is `fake.users[provider]`; setting
 * `fake.deny` makes the authorize step answer `error=access_denied`. Codes are single use
 * and remember the challenge, client and redirect URI they were issued for.
 */
export type FakeProvider = 'github' | 'yandex' | 'vk';

export interface FakeUser {
  id: string;
  login: string;
  name: string;
  emails: { email: string; verified: boolean; primary: boolean }[];
}

interface IssuedCode {
  provider: FakeProvider;
  clientId: string;
  redirectUri: string;
  challenge: string;
  method: string;
  user: FakeUser;
  deviceId?: string;
}

export interface FakeOAuth {
  url: string;
  clients: Record<FakeProvider, { id: string; secret: string }>;
  users: Partial<Record<FakeProvider, FakeUser>>;
  deny: boolean;
  /** Every token request the fake refused, with the reason (for assertions). */
  refusals: { provider: FakeProvider; reason: string }[];
  /** Provider config blocks pointing at this fake (identity.oauth.* minus the secret). */
  config(): { github: { clientId: string; baseUrl: string; apiUrl: string }; yandex: { clientId: string; baseUrl: string; loginUrl: string }; vk: { clientId: string; baseUrl: string } };
  close(): Promise<void>;
}

const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');
const rand = () => randomBytes(18).toString('base64url');

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function basic(req: IncomingMessage): { id: string; secret: string } | undefined {
  const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const [id, secret] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
  return id && secret !== undefined ? { id, secret } : undefined;
}

export async function startFakeOAuth(): Promise<FakeOAuth> {
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, { provider: FakeProvider; user: FakeUser }>();
  const clients: FakeOAuth['clients'] = {
    github: { id: 'gh-client', secret: `gh-secret-${rand()}` },
    yandex: { id: 'ya-client', secret: `ya-secret-${rand()}` },
    vk: { id: '51234567', secret: '' },
  };
  const fake = { users: {}, deny: false, refusals: [] } as unknown as FakeOAuth;

  function authorize(provider: FakeProvider, url: URL, res: ServerResponse) {
    const q = url.searchParams;
    const redirect = q.get('redirect_uri');
    if (!redirect || q.get('client_id') !== clients[provider].id || q.get('response_type') !== 'code') return json(res, 400, { error: 'invalid_request' });
    const back = new URL(redirect);
    back.searchParams.set('state', q.get('state') ?? '');
    const user = fake.users[provider];
    if (fake.deny || !user) {
      back.searchParams.set('error', 'access_denied');
    } else {
      const code = rand();
      const issued: IssuedCode = { provider, clientId: clients[provider].id, redirectUri: redirect, challenge: q.get('code_challenge') ?? '', method: (q.get('code_challenge_method') ?? '').toUpperCase(), user };
      if (provider === 'vk') {
        issued.deviceId = rand();
        back.searchParams.set('device_id', issued.deviceId);
        back.searchParams.set('type', 'code_v2');
        back.searchParams.set('expires_in', '600');
      }
      codes.set(code, issued);
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  /** Checks a code redemption the way the real servers do; returns the refusal reason or the code. */
  function redeem(provider: FakeProvider, f: URLSearchParams, clientId: string | undefined, secret: string | undefined): IssuedCode | string {
    const c = clients[provider];
    if (clientId !== c.id) return 'unknown client';
    if (provider !== 'vk' && secret !== c.secret) return 'wrong client secret';
    if (f.get('grant_type') !== 'authorization_code') return 'unsupported grant_type';
    const code = codes.get(f.get('code') ?? '');
    codes.delete(f.get('code') ?? '');
    if (!code || code.provider !== provider) return 'unknown or used code';
    if (code.redirectUri !== f.get('redirect_uri')) return 'redirect_uri mismatch';
    if (code.method !== 'S256' || !code.challenge) return 'no PKCE challenge on the authorization request';
    if (s256(f.get('code_verifier') ?? '') !== code.challenge) return 'code_verifier does not match the challenge';
    if (provider === 'vk' && f.get('device_id') !== code.deviceId) return 'device_id mismatch';
    return code;
  }

  function issueToken(provider: FakeProvider, user: FakeUser): string {
    const t = `${provider}-at-${rand()}`;
    tokens.set(t, { provider, user });
    return t;
  }

  function bearer(req: IncomingMessage, scheme: 'Bearer' | 'OAuth', provider: FakeProvider): FakeUser | undefined {
    const m = new RegExp(`^${scheme} (.+)$`).exec(req.headers.authorization ?? '');
    const t = m ? tokens.get(m[1]!) : undefined;
    return t && t.provider === provider ? t.user : undefined;
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const p = url.pathname;
    try {
      if (req.method === 'GET' && p === '/github/login/oauth/authorize') return authorize('github', url, res);
      if (req.method === 'GET' && p === '/yandex/authorize') return authorize('yandex', url, res);
      if (req.method === 'GET' && p === '/vk/authorize') return authorize('vk', url, res);

      if (req.method === 'POST' && p === '/github/login/oauth/access_token') {
        const f = await readForm(req);
        const cred = basic(req) ?? { id: f.get('client_id') ?? undefined, secret: f.get('client_secret') ?? undefined };
        const r = redeem('github', f, cred.id, cred.secret);
        if (typeof r === 'string') {
          fake.refusals.push({ provider: 'github', reason: r });
          // GitHub reports token errors with status 200.
          return json(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.', error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code' });
        }
        return json(res, 200, { access_token: issueToken('github', r.user), token_type: 'bearer', scope: 'read:user,user:email' });
      }
      if (req.method === 'GET' && p === '/github-api/user') {
        const u = bearer(req, 'Bearer', 'github');
        if (!u) return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
        return json(res, 200, { login: u.login, id: Number(u.id), node_id: `U_${u.id}`, type: 'User', name: u.name, email: u.emails.find((e) => e.primary)?.email ?? null });
      }
      if (req.method === 'GET' && p === '/github-api/user/emails') {
        const u = bearer(req, 'Bearer', 'github');
        if (!u) return json(res, 401, { message: 'Bad credentials', status: '401' });
        return json(res, 200, u.emails.map((e) => ({ email: e.email, primary: e.primary, verified: e.verified, visibility: e.primary ? 'private' : null })));
      }

      if (req.method === 'POST' && p === '/yandex/token') {
        const f = await readForm(req);
        const cred = basic(req) ?? { id: f.get('client_id') ?? undefined, secret: f.get('client_secret') ?? undefined };
        const r = redeem('yandex', f, cred.id, cred.secret);
        if (typeof r === 'string') {
          fake.refusals.push({ provider: 'yandex', reason: r });
          return json(res, 400, { error: r.includes('client') ? 'invalid_client' : 'invalid_grant', error_description: r });
        }
        return json(res, 200, { access_token: issueToken('yandex', r.user), token_type: 'bearer', expires_in: 31536000, refresh_token: rand() });
      }
      if (req.method === 'GET' && p === '/yandex-login/info') {
        const u = bearer(req, 'OAuth', 'yandex');
        if (!u) return json(res, 401, { error: 'invalid_token' });
        // Yandex lists only confirmed addresses.
        const confirmed = u.emails.filter((e) => e.verified);
        return json(res, 200, { id: u.id, login: u.login, client_id: clients.yandex.id, display_name: u.login, real_name: u.name, default_email: confirmed.find((e) => e.primary)?.email ?? confirmed[0]?.email, emails: confirmed.map((e) => e.email), psuid: `1.${rand()}` });
      }

      if (req.method === 'POST' && p === '/vk/oauth2/auth') {
        const f = await readForm(req);
        const r = redeem('vk', f, f.get('client_id') ?? undefined, undefined);
        if (typeof r === 'string') {
          fake.refusals.push({ provider: 'vk', reason: r });
          return json(res, 400, { error: 'invalid_grant', error_description: r, state: f.get('state') });
        }
        return json(res, 200, { access_token: issueToken('vk', r.user), refresh_token: rand(), id_token: 'eyJ.fake.jwt', token_type: 'Bearer', expires_in: 3600, user_id: Number(r.user.id), state: f.get('state'), scope: 'vkid.personal_info email' });
      }
      if (req.method === 'POST' && p === '/vk/oauth2/user_info') {
        const f = await readForm(req);
        const t = tokens.get(f.get('access_token') ?? '');
        if (!t || t.provider !== 'vk' || f.get('client_id') !== clients.vk.id) return json(res, 401, { error: 'invalid_token', error_description: 'access_token is missing or invalid' });
        // VK ID hands out an address only when it is confirmed on the account.
        const mail = t.user.emails.find((e) => e.verified && e.primary) ?? t.user.emails.find((e) => e.verified);
        const [first, ...rest] = t.user.name.split(' ');
        return json(res, 200, { user: { user_id: t.user.id, first_name: first ?? '', last_name: rest.join(' '), avatar: 'https://vk.example/a.jpg', sex: 0, verified: false, birthday: '', ...(mail ? { email: mail.email } : {}) } });
      }
      json(res, 404, { error: 'not_found', path: p });
    } catch (err) {
      json(res, 500, { error: 'server_error', message: (err as Error).message });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(fake, {
    url,
    clients,
    config: () => ({
      github: { clientId: clients.github.id, baseUrl: `${url}/github`, apiUrl: `${url}/github-api` },
      yandex: { clientId: clients.yandex.id, baseUrl: `${url}/yandex`, loginUrl: `${url}/yandex-login` },
      vk: { clientId: clients.vk.id, baseUrl: `${url}/vk` },
    }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
  return fake;
}
