import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountService } from '../identity/accounts.service.ts';
import type { OAuthService } from '../identity/oauth/oauth.service.ts';
import type { IdentityRow } from '../identity/oauth/oauth.repo.ts';
import { FlowLinkError, isFlowLinkError } from '../lib/errors.ts';
import { clientInfo, route, who, S, SESSION_COOKIE, type Kit } from './identity.kit.ts';

/** The browser's half of a flow's state: httpOnly, sent only to the callback. */
export const OAUTH_COOKIE = 'fl_oauth';
const COOKIE_PATH = '/api/v1/auth/oauth';

function identityView(i: IdentityRow) {
  return { id: i.id, provider: i.provider, login: i.login, email: i.email, linkedVia: i.linked_via, createdAt: i.created_at, lastUsedAt: i.last_used_at };
}

const provider = { type: 'string', maxLength: 32, pattern: '^[a-z]+$' };

/**
 * OAuth sign-in (GitHub, Yandex ID, VK ID) and the user's linked identities. The callback
 * is a GET that a provider redirects to: its CSRF protection is the single-use state bound
 * to this browser's nonce cookie. It always answers with a redirect to the console.
 */
export function registerOAuthRoutes(api: FastifyInstance, deps: { oauth: OAuthService; accounts: AccountService; kit: Kit; secureCookies: 'auto' | boolean }) {
  const { oauth, accounts, kit } = deps;
  const secure = (req: FastifyRequest) => (deps.secureCookies === 'auto' ? req.protocol === 'https' : deps.secureCookies);
  const setNonce = (req: FastifyRequest, reply: FastifyReply, nonce: string) =>
    reply.setCookie(OAUTH_COOKIE, nonce, { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: secure(req), maxAge: 600 });
  const clearNonce = (req: FastifyRequest, reply: FastifyReply) => reply.clearCookie(OAUTH_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: secure(req) });
  const tags = ['auth'];

  route(api, {
    method: 'GET', url: '/v1/auth/providers', auth: { kind: 'public' }, tags, summary: 'The enabled sign-in providers (for the sign-in buttons)',
    async handler() {
      return { providers: oauth.enabled().map((p) => ({ ...p, startUrl: `/api/v1/auth/oauth/${p.id}/start` })) };
    },
  });

  route(api, {
    method: 'GET', url: '/v1/auth/oauth/:provider/start', auth: { kind: 'public' }, tags, summary: 'Start signing in with a provider: redirects to it (an invite token may come along for a new account)',
    schema: { params: S.obj({ provider }, ['provider']), querystring: S.obj({ invite: S.str(128) }) },
    async handler(req, reply) {
      const p = (req.params as { provider: string }).provider;
      if (!oauth.has(p)) return reply.redirect('/console/sign-in?error=provider_unknown', 302);
      let started;
      try {
        started = await oauth.start(p, { purpose: 'sign-in', inviteToken: (req.query as { invite?: string }).invite }, clientInfo(req));
      } catch (err) {
        // A browser navigation: the answer is a page of the console, never JSON.
        const code = isFlowLinkError(err) && (err.code === 'rate_limited' || err.code === 'invalid_token') ? (err.code === 'rate_limited' ? 'rate_limited' : 'invite_invalid') : undefined;
        if (!code) throw err;
        return reply.redirect(`/console/sign-in?error=${code}`, 302);
      }
      const { url, nonce } = started;
      setNonce(req, reply, nonce);
      return reply.redirect(url, 302);
    },
  });

  route(api, {
    method: 'GET', url: '/v1/auth/oauth/:provider/callback', auth: { kind: 'public' }, tags, summary: 'Where the provider sends the browser back: sets the session and redirects to the console (errors: /console/sign-in?error=<code>)',
    schema: { params: S.obj({ provider }, ['provider']), querystring: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 } } },
    async handler(req, reply) {
      const p = (req.params as { provider: string }).provider;
      const sessionCookie = req.cookies[SESSION_COOKIE];
      const current = sessionCookie ? await accounts.resolve(sessionCookie) : undefined;
      const r = await oauth.callback(p, { query: req.query as Record<string, string>, nonce: req.cookies[OAUTH_COOKIE], current }, clientInfo(req));
      clearNonce(req, reply);
      if (!r.ok) return reply.redirect(`${r.purpose === 'link' ? '/console/account' : '/console/sign-in'}?error=${r.code}`, 302);
      if (r.kind === 'linked') return reply.redirect(`/console/account?linked=${r.provider}`, 302);
      // Rotation: whatever session this browser had is ended; the new one replaces it.
      if (current) await accounts.signOut(current.session);
      kit.setSession(req, reply, r.session);
      return reply.redirect(r.mfaRequired ? '/console/sign-in?mfa=1' : '/', 302);
    },
  });

  const me = ['me'];
  route(api, {
    method: 'GET', url: '/v1/me/identities', auth: { kind: 'user' }, tags: me, summary: 'My linked sign-in providers, and whether a password is set',
    async handler(req) {
      const u = who.user(req);
      return { identities: (await oauth.list(u.id)).map(identityView), passwordSet: !!u.password_hash, providers: oauth.enabled() };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/me/identities/:provider/link', auth: { kind: 'user' }, tags: me, summary: 'Start linking a provider to my account: returns the URL to send the browser to',
    schema: { params: S.obj({ provider }, ['provider']) },
    async handler(req, reply) {
      const p = (req.params as { provider: string }).provider;
      if (!oauth.has(p)) throw new FlowLinkError('not_found', `the sign-in provider "${p}" is not enabled`);
      const { url, nonce } = await oauth.start(p, { purpose: 'link', user: who.user(req), session: who.session(req) }, clientInfo(req));
      setNonce(req, reply, nonce);
      return { authorizationUrl: url };
    },
  });

  route(api, {
    method: 'DELETE', url: '/v1/me/identities/:identityId', auth: { kind: 'user' }, tags: me, summary: 'Unlink a provider (refused when it is the last way to sign in)',
    schema: { params: S.obj({ identityId: S.id }, ['identityId']) },
    async handler(req, reply) {
      await oauth.unlink(who.user(req), (req.params as { identityId: string }).identityId);
      return reply.status(204).send();
    },
  });
}
