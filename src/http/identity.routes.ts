import type { FastifyInstance, FastifySchema } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import type { Store } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import { FlowLinkError } from '../lib/errors.ts';
import type { AgentService } from '../identity/agents.service.ts';
import { createAccountService, type AccountService } from '../identity/accounts.service.ts';
import { createOrgService, type OrgService } from '../identity/orgs.service.ts';
import { createArgon2Hasher, type PasswordHasher } from '../identity/passwords.ts';
import { createConsoleMailer, type Mailer } from '../identity/mailer.ts';
import { createKit, route, type RouteAuth, type RequestAuth, apiErrorHandler } from './identity.kit.ts';
import { registerAuthRoutes } from './identity.auth.routes.ts';
import { registerOrgRoutes } from './identity.orgs.routes.ts';
import { registerAgentRoutes } from './identity.agents.routes.ts';
import { buildOpenApi, type RouteDoc } from './openapi.ts';
import { registerOAuthRoutes } from './identity.oauth.routes.ts';
import { createOAuthService, type OAuthProvider } from '../identity/oauth/index.ts';
import type { AuditEventInput } from '../audit/audit.writer.ts';

export interface IdentityApiDeps {
  store: Store;
  agents: AgentService;
  logger: Logger;
  /** Where mail links point (the console's address), e.g. https://flowlink.example.com. */
  publicUrl: string;
  /** Defaults to the console mailer (links go to the log). */
  mailer?: Mailer;
  hasher?: PasswordHasher;
  /** 'auto' (default): Secure cookies when the request arrived over https. */
  secureCookies?: 'auto' | boolean;
  /** Extra origins allowed to make state-changing requests (scheme://host[:port]). */
  allowedOrigins?: string[];
  /** 'open' (default): anyone may sign up (and create organizations); 'closed': invites and `flowlink admin create` only. */
  signup?: 'open' | 'closed';
  clock?: () => number;
  /** OAuth sign-in providers (none: the routes exist and answer that no provider is enabled). */
  oauthProviders?: OAuthProvider[];
  /** Where identity events (linked sign-in providers) are recorded. */
  audit?: { append(e: AuditEventInput): Promise<number> };
  /** Other modules' routes, registered inside this API (same auth, roles, CSRF, errors, OpenAPI). */
  routes?: ((api: FastifyInstance) => void)[];
}

const BODY_LIMIT = 64 * 1024;

/**
 * The REST API for people, organizations, agents and API keys, under /api (versioned
 * /api/v1, plus /api/openapi.json). Everything lives in one encapsulated plugin with its
 * own JSON parser, cookies and error mapping, so nothing here changes the MCP routes.
 */
export function registerIdentityApi(app: FastifyInstance, deps: IdentityApiDeps): { accounts: AccountService; orgs: OrgService; docs: RouteDoc[] } {
  const mailer = deps.mailer ?? createConsoleMailer(deps.logger);
  const base = { store: deps.store, mailer, logger: deps.logger, publicUrl: deps.publicUrl, ...(deps.clock ? { clock: deps.clock } : {}) };
  const accounts = createAccountService({ ...base, hasher: deps.hasher ?? createArgon2Hasher() });
  const orgs = createOrgService(base);
  const oauth = createOAuthService({ store: deps.store, accounts, providers: deps.oauthProviders ?? [], publicUrl: deps.publicUrl, signup: deps.signup ?? 'open', audit: deps.audit, logger: deps.logger, ...(deps.clock ? { clock: deps.clock } : {}) });
  const kit = createKit({ accounts, orgs, secureCookies: deps.secureCookies ?? 'auto', allowedOrigins: deps.allowedOrigins ?? [] });
  const docs: RouteDoc[] = [];

  app.register(
    async (api) => {
      // The MCP edge reads bodies as strings; this API takes JSON objects only (which also
      // keeps cross-site HTML forms out: they cannot send application/json).
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
        if (body === '') return done(null, undefined);
        try {
          done(null, JSON.parse(body as string));
        } catch {
          done(new FlowLinkError('parse_error', 'the body is not valid JSON'), undefined);
        }
      });
      await api.register(fastifyCookie);
      api.decorateRequest('identityAuth', null as unknown as RequestAuth);
      api.addHook('onRoute', (r) => {
        const auth = (r.config as { identityAuth?: RouteAuth } | undefined)?.identityAuth;
        const methods = Array.isArray(r.method) ? r.method : [r.method];
        for (const m of methods) if (m !== 'HEAD') docs.push({ method: m, url: r.url, schema: (r.schema ?? {}) as FastifySchema, auth });
      });
      api.addHook('preHandler', async (req) => kit.authenticate(req));
      api.addHook('onSend', async (_req, reply) => {
        reply.header('cache-control', 'no-store');
      });

      api.setErrorHandler(apiErrorHandler(deps.logger, 'api', BODY_LIMIT));
      api.setNotFoundHandler((req, reply) => {
        void reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
      });

      registerAuthRoutes(api, { accounts, orgs, kit, signup: deps.signup ?? 'open' });
      registerOrgRoutes(api, { accounts, orgs, kit });
      registerAgentRoutes(api, { agents: deps.agents });
      registerOAuthRoutes(api, { oauth, accounts, kit, secureCookies: deps.secureCookies ?? 'auto' });
      for (const register of deps.routes ?? []) register(api);
      route(api, {
        method: 'GET', url: '/openapi.json', auth: { kind: 'public' }, tags: ['meta'], summary: 'This document',
        async handler() {
          return buildOpenApi(docs);
        },
      });
    },
    { prefix: '/api' },
  );
  // Routes registered by other plugins (the approvals API) add their docs to this list too.
  return { accounts, orgs, docs };
}
