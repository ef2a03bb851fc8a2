import { z } from 'zod';

/** Config for MCP authorization (docs/mcp-authorization.md), embedded in `identity:` by config/schema.ts. */
const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const duration = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 500ms, 30s, 5m, 2h or 1d')])
  .transform((v) => (typeof v === 'number' ? v : Number(/^\d+/.exec(v)![0]) * UNITS[/[a-z]+$/.exec(v)![0] as keyof typeof UNITS]));

export const OAuthServerConfigSchema = z.strictObject({
  /** FlowLink's own authorization server for MCP clients (on by default). */
  enabled: z.boolean().default(true),
  accessTokenTtl: duration.default(3_600_000),
  refreshTokenTtl: duration.default(30 * 86_400_000),
  /** open: MCP clients may register themselves (RFC 7591); closed: only client ID metadata documents. */
  registration: z.enum(['open', 'closed']).default('open'),
  /** Fetching client ID metadata documents (the client_id is an HTTPS URL). */
  clientMetadata: z
    .strictObject({
      /** Only for tests and closed networks: allow documents on loopback and private addresses. */
      allowPrivateAddresses: z.boolean().default(false),
      /** PEM file of extra CA certificates to trust for these fetches (an internal CA). */
      caFile: z.string().min(1).optional(),
      timeout: duration.default(5000),
      maxBytes: z.number().int().positive().max(1_048_576).default(5120),
      cacheTtl: duration.default(600_000),
    })
    .default({ allowPrivateAddresses: false, timeout: 5000, maxBytes: 5120, cacheTtl: 600_000 }),
});

export const McpAuthConfigSchema = z.strictObject({
  /** The external issuer (exactly as in its tokens' iss). */
  issuer: z.url(),
  /** The audience FlowLink's tokens carry (often FlowLink's /mcp URL). */
  audience: z.string().min(1).max(2000),
  /** Where the issuer's keys are; found through its discovery document when omitted. */
  jwksUrl: z.url().optional(),
  /** The claim naming the FlowLink organization (id or name). */
  orgClaim: z.string().min(1).max(200).default('org'),
  /** The claim holding scopes (mcp, mcp:<server>, mcp:<server>/<tool>). */
  scopesClaim: z.string().min(1).max(200).default('scope'),
  /** Allowed clock difference for exp and nbf. */
  clockSkew: duration.default(30_000),
  /** After fetching the key set, wait this long before fetching again for an unknown key id (rotation vs. key-id flooding). */
  jwksCooldown: duration.default(30_000),
});

export type OAuthServerConfig = z.output<typeof OAuthServerConfigSchema>;
export type McpAuthConfig = z.output<typeof McpAuthConfigSchema>;
