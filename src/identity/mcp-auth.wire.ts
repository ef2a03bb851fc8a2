import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditEventInput } from '../audit/audit.writer.ts';
import type { AgentService } from './agents.service.ts';
import type { AccountService } from './accounts.service.ts';
import type { OrgService } from './orgs.service.ts';
import { createHostCheck, type BearerHook } from '../gateway/auth.ts';
import { OAuthServerConfigSchema, type McpAuthConfig, type OAuthServerConfig } from './mcp-auth.config.ts';
import { createClientMetadataFetcher } from './oauth-server/client-metadata.fetch.ts';
import { createClientService } from './oauth-server/clients.service.ts';
import { createOAuthServer } from './oauth-server/oauth.service.ts';
import { createJwtVerifier } from './mcp-auth.jwt.ts';
import { bearerChallenge, createMcpAuth } from './mcp-auth.ts';
import { registerOAuthServerRoutes } from '../http/oauth-server.routes.ts';
import { registerWellKnownRoutes } from '../http/well-known.routes.ts';

export interface McpAuthWireDeps {
  identity: { publicUrl?: string | undefined; oauthServer?: OAuthServerConfig | undefined; mcpAuth?: McpAuthConfig | undefined };
  listen: { host: string; allowedHosts: string[] };
  baseDir: string;
  store: Store;
  audit: { append(e: AuditEventInput): Promise<number> };
  logger: Pick<Logger, 'error'>;
  servers: () => readonly string[];
}

/**
 * MCP authorization in one place: FlowLink's own authorization server (unless disabled),
 * an external issuer's JWTs (when configured), the bearer hook for the MCP edge, the
 * liveness check for the pipeline, challenges, and the discovery and OAuth routes.
 */
export async function wireMcpAuth(deps: McpAuthWireDeps) {
  const cfg = deps.identity.oauthServer ?? OAuthServerConfigSchema.parse({});
  const hostCheck = createHostCheck({ listenHost: deps.listen.host, allowedHosts: deps.listen.allowedHosts });
  const publicUrl = deps.identity.publicUrl?.replace(/\/+$/, '');
  /** The issuer and resource base: the configured public URL, else this request's own (allowed) host. */
  const baseUrl = (req: FastifyRequest): string | undefined => {
    if (publicUrl) return publicUrl;
    if (hostCheck({ host: req.headers.host })) return undefined;
    return `${req.protocol}://${req.headers.host}`;
  };

  let mcpAuth: ReturnType<typeof createMcpAuth> | undefined;
  const clients = cfg.enabled
    ? createClientService({
        store: deps.store,
        cacheTtlMs: cfg.clientMetadata.cacheTtl,
        fetchMetadata: createClientMetadataFetcher({
          maxBytes: cfg.clientMetadata.maxBytes,
          timeoutMs: cfg.clientMetadata.timeout,
          allowPrivateAddresses: cfg.clientMetadata.allowPrivateAddresses,
          ca: cfg.clientMetadata.caFile ? readFileSync(resolve(deps.baseDir, cfg.clientMetadata.caFile), 'utf8') : undefined,
        }),
      })
    : undefined;
  const oauth = clients
    ? createOAuthServer({ store: deps.store, clients, audit: deps.audit, servers: deps.servers, accessTtlMs: cfg.accessTokenTtl, refreshTtlMs: cfg.refreshTokenTtl, onRevoked: () => mcpAuth!.revoked() })
    : undefined;
  const ext = deps.identity.mcpAuth;
  const jwt = ext ? createJwtVerifier({ issuer: ext.issuer, audience: ext.audience, jwksUrl: ext.jwksUrl, orgClaim: ext.orgClaim, scopesClaim: ext.scopesClaim, clockToleranceS: Math.round(ext.clockSkew / 1000), jwksCooldownMs: ext.jwksCooldown }, { store: deps.store }) : undefined;
  mcpAuth = createMcpAuth({ store: deps.store, oauth, jwt });
  await mcpAuth.start();
  const auth = mcpAuth;
  const housekeeping = oauth ? setInterval(() => void oauth.purge().catch((err) => deps.logger.error({ err }, 'oauth housekeeping failed')), 3_600_000) : undefined;
  housekeeping?.unref();

  const metadataUrl = (req: FastifyRequest) => {
    const server = (req.params as { server?: string } | undefined)?.server;
    const base = baseUrl(req) ?? `${req.protocol}://localhost`;
    return `${base}/.well-known/oauth-protected-resource/mcp${server ? `/${server}` : ''}`;
  };

  return {
    oauth,
    bearer: ((token, target) => auth.authenticate(token, target)) as BearerHook,
    /** The agent service as the pipeline sees it: OAuth and JWT tokens are live by their own rules. */
    withLiveness(agents: AgentService): AgentService {
      return { ...agents, isLive: async (hash: string) => (await auth.isLive(hash)) ?? agents.isLive(hash) };
    },
    resourceMetadataUrl: metadataUrl,
    challenge(req: FastifyRequest, error: 'invalid_token' | 'insufficient_scope', scope?: string): string {
      const server = (req.params as { server?: string } | undefined)?.server;
      const hasToken = typeof req.headers.authorization === 'string';
      // No token at all: a bare challenge (RFC 6750 §3.1: no error code when no credentials were sent).
      return bearerChallenge({ resourceMetadata: metadataUrl(req), scope: scope ?? (server ? `mcp:${server}` : 'mcp'), ...(hasToken || error === 'insufficient_scope' ? { error } : {}) });
    },
    registerRoutes(app: FastifyInstance, r: { accounts: AccountService; orgs: OrgService; installOrgId: string }) {
      registerWellKnownRoutes(app, { baseUrl, servers: deps.servers, ownServer: oauth ? { registration: cfg.registration === 'open' } : undefined, externalIssuer: ext?.issuer });
      if (oauth && clients) registerOAuthServerRoutes(app, { oauth, clients, accounts: r.accounts, orgs: r.orgs, audit: deps.audit, logger: deps.logger, baseUrl, registration: cfg.registration, installOrgId: r.installOrgId });
    },
    async stop() {
      if (housekeeping) clearInterval(housekeeping);
      await auth.stop();
    },
  };
}

export type McpAuthWiring = Awaited<ReturnType<typeof wireMcpAuth>>;
