import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountService } from '../identity/accounts.service.ts';
import type { OrgService } from '../identity/orgs.service.ts';
import type { OAuthServer, AuthorizeRequest, OAuthFailure } from '../identity/oauth-server/oauth.service.ts';
import type { ClientService } from '../identity/oauth-server/clients.service.ts';
import type { AuditEventInput } from '../audit/audit.writer.ts';
import type { Logger } from '../lib/logger.ts';
import { can } from '../identity/roles.ts';
import { safeEqual } from '../lib/secure-compare.ts';
import { describeScopes } from '../identity/oauth-server/oauth-scopes.ts';
import { pickLang, renderConsent, renderError, renderNoOrg, renderSignIn, type Lang } from '../identity/oauth-server/consent.page.ts';

/** The CSP form-action source that lets the consent form's redirect reach the client (a private-use scheme as a scheme source). */
function cspSource(uri: string): string {
  const u = new URL(uri);
  return u.origin !== 'null' ? u.origin : u.protocol;
}
import { SESSION_COOKIE } from './identity.kit.ts';

export interface OAuthRoutesDeps {
  oauth: OAuthServer;
  clients: ClientService;
  accounts: AccountService;
  orgs: OrgService;
  audit: { append(e: AuditEventInput): Promise<number> };
  logger: Pick<Logger, 'error'>;
  /** FlowLink's public URL for this request (the issuer); undefined when the Host is not allowed. */
  baseUrl: (req: FastifyRequest) => string | undefined;
  registration: 'open' | 'closed';
  /** The org that records installation-wide events (client registrations). */
  installOrgId: string;
}

type Form = Record<string, string>;
const BODY_LIMIT = 64 * 1024;
const AUTH_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'state', 'scope', 'resource'] as const;
const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': 'authorization, content-type, mcp-protocol-version', 'access-control-max-age': '600' };

/** Parses a form body; a repeated parameter is an error (RFC 6749 §3.1). */
function parseForm(body: string): Form | string {
  const out: Form = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (k in out) return `parameter "${k.slice(0, 40)}" is repeated`;
    out[k] = v;
  }
  return out;
}

function cookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/**
 * The authorization server's HTTP surface: /oauth/authorize (consent, cookie session,
 * CSRF-protected form), /oauth/token, /oauth/register (RFC 7591), /oauth/revoke (RFC 7009).
 * OAuth errors keep their RFC wire form ({ error, error_description }).
 */
export function registerOAuthServerRoutes(app: FastifyInstance, deps: OAuthRoutesDeps) {
  const registrations = new Map<string, { n: number; until: number }>();

  app.register(async (r) => {
    r.removeAllContentTypeParsers();
    r.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, parseForm(body as string)));
    r.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(null, Symbol.for('invalid-json'));
      }
    });
    r.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
      if (status >= 500) deps.logger.error({ err, url: req.url.split('?')[0] }, 'oauth request failed');
      const description = err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'send the body as application/x-www-form-urlencoded' : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `the body is larger than ${BODY_LIMIT} bytes` : status >= 500 ? 'internal error' : err.message;
      void reply.status(status).headers({ 'cache-control': 'no-store', ...CORS }).send({ error: status >= 500 ? 'server_error' : 'invalid_request', error_description: description });
    });

    const isForm = (req: FastifyRequest) => String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
    const oauthError = (reply: FastifyReply, f: OAuthFailure) => reply.status(f.status ?? 400).headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...CORS }).send({ error: f.error, error_description: f.description });
    const html = (reply: FastifyReply, status: number, body: string, formAction?: string) =>
      reply
        .status(status)
        .headers({
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${formAction ? ` ${formAction}` : ''}; frame-ancestors 'none'; base-uri 'none'`,
        })
        .send(body);

    function redirectWith(reply: FastifyReply, uri: string, params: Record<string, string | undefined>) {
      const u = new URL(uri);
      for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
      return reply.status(302).headers({ location: u.toString(), 'cache-control': 'no-store' }).send();
    }

    /** The signed-in person (fully signed in: not waiting for a second factor). */
    async function person(req: FastifyRequest) {
      const token = cookie(req, SESSION_COOKIE);
      const found = token ? await deps.accounts.resolve(token) : undefined;
      return found && found.session.state === 'active' ? found : undefined;
    }

    /** Orgs where this person may connect a client: owners and admins (agents.manage), 2FA where required. */
    async function eligibleOrgs(user: { id: string; totp_enabled: boolean }) {
      return (await deps.orgs.mine(user.id)).filter((o) => can(o.role, 'agents.manage') && (!o.require_mfa || user.totp_enabled)).map((o) => ({ id: o.id, name: o.name }));
    }

    /** Validates the request; answers the error itself (page or redirect) and returns undefined when it is not usable. */
    async function check(req: FastifyRequest, reply: FastifyReply, p: Record<string, unknown>, lang: Lang): Promise<{ request: AuthorizeRequest; base: string } | undefined> {
      const base = deps.baseUrl(req);
      if (!base) {
        await html(reply, 400, renderError(lang, 'the Host header is not allowed'));
        return undefined;
      }
      const params: Record<string, string | undefined> = {};
      for (const k of AUTH_PARAMS) {
        const v = p[k];
        if (Array.isArray(v)) {
          await html(reply, 400, renderError(lang, `parameter "${k}" is repeated`));
          return undefined;
        }
        params[k] = typeof v === 'string' ? v : undefined;
      }
      const c = await deps.oauth.checkAuthorize(params, base);
      if (c.ok) return { request: c.request, base };
      if (!c.redirect) await html(reply, 400, renderError(lang, c.message));
      else await redirectWith(reply, c.redirectUri, { error: c.error, error_description: c.description, state: c.state, iss: base });
      return undefined;
    }

    r.get('/oauth/authorize', async (req, reply) => {
      const lang = pickLang(req.headers['accept-language']);
      const ok = await check(req, reply, req.query as Record<string, unknown>, lang);
      if (!ok) return reply;
      const who = await person(req);
      if (!who) return html(reply, 401, renderSignIn(lang));
      const orgs = await eligibleOrgs(who.user);
      if (orgs.length === 0) return html(reply, 403, renderNoOrg(lang));
      const { request } = ok;
      const params: Record<string, string> = { response_type: 'code', client_id: request.client.clientId, redirect_uri: request.redirectUri, code_challenge: request.codeChallenge, code_challenge_method: 'S256', scope: request.scopes.join(' '), resource: request.resource };
      if (request.state !== undefined) params.state = request.state;
      return html(reply, 200, renderConsent({ lang, clientName: request.client.name, clientId: request.client.clientId, redirectUri: request.redirectUri, scopeLines: describeScopes(request.scopes, lang), orgs, csrf: who.session.csrf_token, params }), cspSource(request.redirectUri));
    });

    r.post('/oauth/authorize', async (req, reply) => {
      const lang = pickLang(req.headers['accept-language']);
      const form = req.body;
      if (!isForm(req) || !form || typeof form !== 'object') return html(reply, 400, renderError(lang, typeof form === 'string' ? form : 'send the consent form as application/x-www-form-urlencoded'));
      const f = form as Form;
      const who = await person(req);
      if (!who) return html(reply, 401, renderSignIn(lang));
      // The form's CSRF token is the session's; a foreign Origin is refused as well.
      const origin = req.headers.origin;
      const base = deps.baseUrl(req);
      if (!f.csrf_token || !safeEqual(f.csrf_token, who.session.csrf_token) || (origin && origin !== 'null' && base && new URL(base).origin !== origin) || req.headers['sec-fetch-site'] === 'cross-site') {
        return html(reply, 403, renderError(lang, 'the form is not valid any more (CSRF check failed); open the authorization link again'));
      }
      const ok = await check(req, reply, f, lang);
      if (!ok) return reply;
      const { request } = ok;
      const orgs = await eligibleOrgs(who.user);
      const org = orgs.find((o) => o.id === f.org_id);
      if (!org) return html(reply, 403, renderNoOrg(lang));
      if (f.decision !== 'approve') {
        await deps.oauth.deny(request, who.user, org.id);
        return redirectWith(reply, request.redirectUri, { error: 'access_denied', error_description: 'the user denied the request', state: request.state, iss: ok.base });
      }
      const { code } = await deps.oauth.approve(request, who.user, org.id);
      return redirectWith(reply, request.redirectUri, { code, state: request.state, iss: ok.base });
    });

    r.options('/oauth/*', async (_req, reply) => reply.status(204).headers(CORS).send());

    r.post('/oauth/token', async (req, reply) => {
      const f = req.body;
      if (typeof f === 'string') return oauthError(reply, { ok: false, error: 'invalid_request', description: f });
      if (!isForm(req) || !f || typeof f !== 'object') return oauthError(reply, { ok: false, error: 'invalid_request', description: 'send the token request as application/x-www-form-urlencoded' });
      const form = f as Form;
      // Public clients only: a client secret or Basic credentials mean a client FlowLink does not have.
      if (req.headers.authorization || form.client_secret !== undefined) return oauthError(reply, { ok: false, error: 'invalid_client', description: 'FlowLink has public clients only (token_endpoint_auth_method none): send client_id without a secret', status: 401 });
      const out = form.grant_type === 'authorization_code' ? await deps.oauth.exchangeCode(form) : form.grant_type === 'refresh_token' ? await deps.oauth.refresh(form) : ({ ok: false, error: 'unsupported_grant_type', description: 'grant_type must be authorization_code or refresh_token' } as OAuthFailure);
      if (!out.ok) return oauthError(reply, out);
      return reply.status(200).headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...CORS }).send(out.body);
    });

    r.post('/oauth/revoke', async (req, reply) => {
      const f = req.body;
      if (!isForm(req) || !f || typeof f !== 'object') return oauthError(reply, { ok: false, error: 'invalid_request', description: typeof f === 'string' ? f : 'send the revocation request as application/x-www-form-urlencoded' });
      const form = f as Form;
      if (!form.token) return oauthError(reply, { ok: false, error: 'invalid_request', description: 'token is required' });
      await deps.oauth.revoke(form);
      return reply.status(200).headers({ 'cache-control': 'no-store', ...CORS }).send();
    });

    r.post('/oauth/register', async (req, reply) => {
      if (deps.registration !== 'open') return reply.status(403).headers(CORS).send({ error: 'access_denied', error_description: 'dynamic client registration is closed here; use a client ID metadata document (an https client_id)' });
      if (typeof req.body === 'symbol') return reply.status(400).headers(CORS).send({ error: 'invalid_client_metadata', error_description: 'the body is not valid JSON' });
      const ip = req.ip ?? '';
      const now = Date.now();
      const slot = registrations.get(ip);
      if (slot && slot.until > now && slot.n >= 20) return reply.status(429).headers({ ...CORS, 'retry-after': String(Math.ceil((slot.until - now) / 1000)) }).send({ error: 'too_many_requests', error_description: 'too many registrations from this address; try again later' });
      if (!slot || slot.until <= now) registrations.set(ip, { n: 1, until: now + 10 * 60_000 });
      else slot.n++;
      if (registrations.size > 10_000) registrations.clear();
      const out = await deps.clients.register(req.body);
      if (!out.ok) return reply.status(400).headers({ 'cache-control': 'no-store', ...CORS }).send({ error: out.error, error_description: out.message });
      const body = out.response;
      await deps.audit.append({ orgId: deps.installOrgId, kind: 'oauth.client.registered', actor: { type: 'system', id: null }, outcome: 'success', data: { client_id: String(body.client_id), name: String(body.client_name).slice(0, 128), redirect_uris: body.redirect_uris as string[] } });
      return reply.status(201).headers({ 'cache-control': 'no-store', ...CORS }).send(body);
    });
  });
}
