import { serverScope } from './oauth-scopes.ts';

/** RFC 8414 authorization server metadata for FlowLink's own server. */
export function authorizationServerMetadata(issuer: string, opts: { registration: boolean; servers: readonly string[] }): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    ...(opts.registration ? { registration_endpoint: `${issuer}/oauth/register` } : {}),
    revocation_endpoint: `${issuer}/oauth/revoke`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    scopes_supported: ['mcp', ...opts.servers.map(serverScope)],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer}/console/`,
  };
}

/** RFC 9728 protected resource metadata for /mcp (server undefined) or /mcp/<server>. */
export function protectedResourceMetadata(base: string, server: string | undefined, opts: { authorizationServers: string[]; servers: readonly string[] }): Record<string, unknown> {
  return {
    resource: server === undefined ? `${base}/mcp` : `${base}/mcp/${server}`,
    authorization_servers: opts.authorizationServers,
    scopes_supported: server === undefined ? ['mcp', ...opts.servers.map(serverScope)] : [serverScope(server)],
    bearer_methods_supported: ['header'],
    resource_name: server === undefined ? 'FlowLink MCP gateway' : `FlowLink: ${server}`,
  };
}
