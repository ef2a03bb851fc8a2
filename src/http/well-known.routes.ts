import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorizationServerMetadata, protectedResourceMetadata } from '../identity/oauth-server/metadata.ts';

export interface WellKnownDeps {
  /** FlowLink's public URL for this request; undefined when the Host is not allowed. */
  baseUrl: (req: FastifyRequest) => string | undefined;
  servers: () => readonly string[];
  /** FlowLink's own authorization server, when enabled. */
  ownServer: { registration: boolean } | undefined;
  /** An external issuer (identity.mcpAuth.issuer), listed instead of FlowLink's own server. */
  externalIssuer: string | undefined;
}

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*', 'access-control-allow-headers': 'mcp-protocol-version' };

/**
 * Discovery documents: RFC 9728 protected resource metadata for /mcp and each /mcp/<server>
 * (the 401 challenge points here), and RFC 8414 metadata of FlowLink's own server.
 */
export function registerWellKnownRoutes(app: FastifyInstance, deps: WellKnownDeps) {
  const send = (reply: FastifyReply, status: number, body: unknown) => reply.status(status).headers(HEADERS).send(body);
  const notAllowed = (reply: FastifyReply) => send(reply, 400, { error: 'invalid_request', error_description: 'the Host header is not allowed (listen.allowedHosts)' });

  function resource(req: FastifyRequest, reply: FastifyReply, server: string | undefined) {
    const base = deps.baseUrl(req);
    if (!base) return notAllowed(reply);
    if (server !== undefined && !deps.servers().includes(server)) return send(reply, 404, { error: 'not_found', error_description: `no server named "${server.slice(0, 64)}" is configured` });
    const authorizationServers = deps.externalIssuer ? [deps.externalIssuer] : deps.ownServer ? [base] : [];
    if (authorizationServers.length === 0) return send(reply, 404, { error: 'not_found', error_description: 'no authorization server is configured (identity.oauthServer or identity.mcpAuth): use an agent token' });
    return send(reply, 200, protectedResourceMetadata(base, server, { authorizationServers, servers: deps.servers() }));
  }

  app.get('/.well-known/oauth-protected-resource/mcp', async (req, reply) => resource(req, reply, undefined));
  app.get('/.well-known/oauth-protected-resource/mcp/:server', async (req, reply) => resource(req, reply, (req.params as { server: string }).server));
  app.get('/.well-known/oauth-authorization-server', async (req, reply) => {
    if (!deps.ownServer) return send(reply, 404, { error: 'not_found', error_description: 'FlowLink\'s own authorization server is disabled (identity.oauthServer.enabled)' });
    const base = deps.baseUrl(req);
    if (!base) return notAllowed(reply);
    return send(reply, 200, authorizationServerMetadata(base, { registration: deps.ownServer.registration, servers: deps.servers() }));
  });
}
