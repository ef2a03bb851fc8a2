import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type {} from '@fastify/cookie';
import { FlowLinkError, isFlowLinkError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { safeEqual } from '../lib/secure-compare.ts';
import type { AccountService, ClientInfo, IssuedSession } from '../identity/accounts.service.ts';
import type { OrgActor, OrgService } from '../identity/orgs.service.ts';
import type { SessionRow, UserRow } from '../identity/accounts.repo.ts';
import { can, type Permission } from '../identity/roles.ts';

/**
 * How a route authenticates:
 * - public: nobody in particular (sign-in, sign-up, reset, the OpenAPI document);
 * - mfa: a session waiting for its second factor;
 * - user: a signed-in person (cookie);
 * - org: a member of `:orgId` with `perm` (cookie), or an API key of that org (bearer).
 */
export type RouteAuth = { kind: 'public' } | { kind: 'mfa' } | { kind: 'user' } | { kind: 'org'; perm: Permission };

export interface RequestAuth {
  user?: UserRow;
  session?: SessionRow;
  actor?: OrgActor;
}

declare module 'fastify' {
  interface FastifyRequest {
    identityAuth: RequestAuth;
  }
  interface FastifyContextConfig {
    identityAuth?: RouteAuth;
  }
}

export const SESSION_COOKIE = 'fl_session';
export const CSRF_COOKIE = 'fl_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface KitDeps {
  accounts: AccountService;
  orgs: OrgService;
  /** 'auto': Secure cookies when the request came over https. */
  secureCookies: 'auto' | boolean;
  /** Origins (scheme://host[:port]) allowed besides the request's own host. */
  allowedOrigins: string[];
}

export function clientInfo(req: FastifyRequest): ClientInfo {
  return { ip: req.ip ?? '', userAgent: String(req.headers['user-agent'] ?? '') };
}

export function createKit(deps: KitDeps) {
  function secure(req: FastifyRequest): boolean {
    return deps.secureCookies === 'auto' ? req.protocol === 'https' : deps.secureCookies;
  }

  /** Sets the session and CSRF cookies for a new session; the CSRF token is also in the body. */
  function setSession(req: FastifyRequest, reply: FastifyReply, s: IssuedSession) {
    const base = { path: '/', sameSite: 'lax' as const, secure: secure(req), expires: s.row.expires_at };
    reply.setCookie(SESSION_COOKIE, s.token, { ...base, httpOnly: true });
    reply.setCookie(CSRF_COOKIE, s.row.csrf_token, { ...base, httpOnly: false });
  }

  function clearSession(req: FastifyRequest, reply: FastifyReply) {
    const base = { path: '/', sameSite: 'lax' as const, secure: secure(req) };
    reply.clearCookie(SESSION_COOKIE, { ...base, httpOnly: true });
    reply.clearCookie(CSRF_COOKIE, base);
  }

  /**
   * Origin check for state-changing requests: a browser always sends Origin on a
   * cross-origin POST, so a foreign Origin (or Sec-Fetch-Site: cross-site) is refused.
   */
  function checkOrigin(req: FastifyRequest) {
    if (req.headers['sec-fetch-site'] === 'cross-site') throw new FlowLinkError('csrf_failed', 'cross-site requests are refused');
    const origin = req.headers.origin;
    if (!origin) return;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new FlowLinkError('csrf_failed', 'the Origin header is not valid');
    }
    // Scheme is not compared: behind a TLS proxy the request may arrive as http. Default ports are.
    const norm = (h: string) => h.toLowerCase().replace(/:(80|443)$/, '');
    if (norm(host) === norm(String(req.headers.host ?? '')) || deps.allowedOrigins.some((o) => o.toLowerCase() === origin.toLowerCase())) return;
    throw new FlowLinkError('csrf_failed', `requests from ${origin} are refused`);
  }

  /** The single preHandler: authenticates by the route's declared mode, then checks CSRF and org access. */
  async function authenticate(req: FastifyRequest): Promise<void> {
    const mode = req.routeOptions.config.identityAuth;
    if (!mode) throw new FlowLinkError('internal', 'route without an auth declaration');
    req.identityAuth = {};
    const unsafe = UNSAFE.has(req.method);
    if (unsafe) checkOrigin(req);
    if (mode.kind === 'public') return;

    const authz = req.headers.authorization;
    if (authz) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
      if (!m || mode.kind !== 'org') throw new FlowLinkError('unauthorized', mode.kind === 'org' ? 'the Authorization header must be "Bearer fl_key_…"' : 'this route needs a signed-in user, not an API key');
      const actor = await deps.orgs.authenticateApiKey(m[1]!);
      // An API key of another org gets the same answer as an org that does not exist.
      if (!actor) throw new FlowLinkError('unauthorized', 'the API key is not valid (unknown, revoked or expired)');
      const orgId = (req.params as { orgId?: string }).orgId;
      if (orgId !== actor.orgId) throw new FlowLinkError('not_found', 'no such organization');
      if (!can(actor.role, mode.perm)) throw new FlowLinkError('forbidden', `an API key with role ${actor.role} may not do this (${mode.perm})`);
      req.identityAuth = { actor };
      return;
    }

    const token = req.cookies[SESSION_COOKIE];
    const found = token ? await deps.accounts.resolve(token) : undefined;
    if (!found) throw new FlowLinkError('unauthorized', 'sign in first (no valid session)');
    const { session, user } = found;
    if (mode.kind === 'mfa' ? session.state !== 'mfa' : session.state !== 'active') throw new FlowLinkError('unauthorized', mode.kind === 'mfa' ? 'no sign-in is waiting for a second factor' : 'finish signing in with your second factor first');
    if (unsafe) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, session.csrf_token)) throw new FlowLinkError('csrf_failed', `send the CSRF token (cookie ${CSRF_COOKIE}) in the ${CSRF_HEADER} header`);
    }
    req.identityAuth = { user, session };
    if (mode.kind !== 'org') return;
    const orgId = (req.params as { orgId?: string }).orgId ?? '';
    const { role, requireMfa } = await deps.orgs.memberRole(orgId, user.id);
    if (requireMfa && !user.totp_enabled) throw new FlowLinkError('mfa_enrollment_required', 'this organization requires two-factor authentication: enable it under /api/v1/me/2fa');
    if (!can(role, mode.perm)) throw new FlowLinkError('forbidden', `a ${role} may not do this (${mode.perm})`);
    req.identityAuth.actor = { orgId, role, kind: 'user', id: user.id };
  }

  return { setSession, clearSession, authenticate };
}

export type Kit = ReturnType<typeof createKit>;

export interface RouteSpec {
  method: HTTPMethods;
  url: string;
  auth: RouteAuth;
  summary: string;
  tags: string[];
  schema?: Omit<FastifySchema, 'summary' | 'tags'>;
  handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** Declares one API route: its schema, auth mode and summary travel together (and into the OpenAPI document). */
export function route(api: FastifyInstance, spec: RouteSpec) {
  api.route({
    method: spec.method,
    url: spec.url,
    schema: { summary: spec.summary, tags: spec.tags, ...(spec.schema ?? {}) } as FastifySchema,
    config: { identityAuth: spec.auth },
    handler: spec.handler,
  });
}

/** Request helpers that assert what the auth mode guaranteed. */
export const who = {
  user: (req: FastifyRequest) => req.identityAuth.user!,
  session: (req: FastifyRequest) => req.identityAuth.session!,
  actor: (req: FastifyRequest) => req.identityAuth.actor!,
};

export const S = {
  str: (max: number, extra: Record<string, unknown> = {}) => ({ type: 'string', maxLength: max, ...extra }),
  obj: (props: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties: props, required }),
  id: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
};

/** Ajv's message, with the field named when it is one the route does not know. */
function validationMessage(err: Error & { validation?: unknown; validationContext?: string }): string {
  const items = Array.isArray(err.validation) ? (err.validation as { keyword?: string; instancePath?: string; params?: { additionalProperty?: string } }[]) : [];
  const unknown = items.find((v) => v.keyword === 'additionalProperties' && v.params?.additionalProperty);
  if (!unknown) return err.message;
  const where = `${err.validationContext ?? 'body'}${unknown.instancePath ? unknown.instancePath.replace(/\//g, '.') : ''}`;
  return `${where} has an unknown field "${unknown.params!.additionalProperty}"`;
}

/**
 * The API's one error mapping: typed errors as they are, Fastify's validation, media-type
 * and size errors as typed ones, anything else as `internal` (logged, never shown).
 */
export function apiErrorHandler(logger: Pick<Logger, 'error'>, what: string, bodyLimit: number) {
  return (err: Error & { statusCode?: number; code?: string; validation?: unknown }, req: FastifyRequest, reply: FastifyReply) => {
    let e: FlowLinkError;
    if (isFlowLinkError(err)) e = err;
    else if (err.validation) e = new FlowLinkError('invalid_params', validationMessage(err));
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') e = new FlowLinkError('unsupported_media_type', 'send the body as application/json');
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new FlowLinkError('payload_too_large', `the body is larger than ${bodyLimit} bytes`);
    else if (err.statusCode && err.statusCode < 500) e = new FlowLinkError('bad_request', err.message);
    else {
      logger.error({ err, url: req.url }, `${what} request failed`);
      e = new FlowLinkError('internal', 'internal error');
    }
    void reply.status(e.http).send({ error: { code: e.code, message: e.message, ...(e.data ? { data: e.data } : {}) } });
  };
}
