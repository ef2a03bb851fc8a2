import { z } from 'zod';
import { ShieldConfigSchema } from '../shield/config.ts';
import { PoliciesConfigSchema } from '../policy/policy.schema.ts';
import { RateLimitsConfigSchema } from '../ratelimit/ratelimit.schema.ts';
import { ApprovalsConfigSchema } from '../approvals/approvals.config.ts';
import { SecretsConfigSchema } from '../secrets/grants.ts';
import { SiemConfigSchema } from '../siem/siem.config.ts';
import { ComplianceConfigSchema } from '../compliance/compliance.config.ts';
import { SnapshotsConfigSchema } from '../snapshots/snapshots.config.ts';
import { OAuthConfigSchema } from '../identity/oauth/oauth.config.ts';
import { McpAuthConfigSchema, OAuthServerConfigSchema } from '../identity/mcp-auth.config.ts';

/**
 * Boot settings: one schema, validated at start. Every object is strict, so an unknown
 * key is an error that names the key rather than a silently ignored typo.
 */
const duration = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 500ms, 30s, 5m, 2h or 1d')])
  .transform((v) => (typeof v === 'number' ? v : parseDuration(v)));

const byteSize = z
  .union([z.number().int().positive(), z.string().regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 512kb or 4mb')])
  .transform((v) => (typeof v === 'number' ? v : parseSize(v)));

const serverName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/, 'server names use letters, digits, "-" and "_" (max 63), and must not contain "__"').refine((s) => !s.includes('__'), 'server names must not contain "__" (it separates server and tool in /mcp)');

const common = {
  /** Labels such as env: prod, used by policies. */
  labels: z.record(z.string(), z.string()).default({}),
  /** Per-request timeout for calls to this server. */
  timeout: duration.default(120_000),
  description: z.string().max(500).optional(),
};

export const StdioServerSchema = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  /** shared: one child process for all agent sessions; per-session: one per agent session. */
  mode: z.enum(['shared', 'per-session']).default('shared'),
  ...common,
});

export const HttpServerSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  headers: z.record(z.string(), z.string()).default({}),
  /** streamable-http (default) or the legacy HTTP+SSE transport. */
  transport: z.enum(['streamable-http', 'sse']).default('streamable-http'),
  ...common,
});

export const ServerSchema = z.union([StdioServerSchema, HttpServerSchema], {
  error: 'a server needs either "command" (stdio) or "url" (HTTP), with only the keys documented in flowlink.example.yaml',
});

export const ConfigSchema = z.strictObject({
  listen: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7420),
      /** Extra Host header values accepted besides the listen address and localhost (DNS-rebinding guard). */
      allowedHosts: z.array(z.string()).default([]),
    })
    .default({ host: '127.0.0.1', port: 7420, allowedHosts: [] }),
  store: z
    .strictObject({
      /** Embedded store folder (PGlite). Ignored when url or DATABASE_URL is set. */
      data: z.string().default('./.flowlink'),
      /** postgres://… ; DATABASE_URL in the environment wins. */
      url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
    })
    .default({ data: './.flowlink' }),
  limits: z
    .strictObject({
      maxBodyBytes: byteSize.default(4 * 1024 * 1024),
      /** Close agent sessions idle for this long. */
      sessionIdleTimeout: duration.default(30 * 60_000),
      /** How long shutdown waits for in-flight calls. */
      shutdownGrace: duration.default(10_000),
    })
    .default({ maxBodyBytes: 4 * 1024 * 1024, sessionIdleTimeout: 30 * 60_000, shutdownGrace: 10_000 }),
  /**
   * An identity for MCP clients that cannot send a bearer token (such as the conformance
   * suite). Off by default; only honoured for requests from loopback addresses.
   */
  anonymous: z
    .strictObject({
      enabled: z.boolean().default(false),
      agent: z.string().min(1).default('anonymous'),
    })
    .default({ enabled: false, agent: 'anonymous' }),
  servers: z.record(serverName, ServerSchema).default({}),
  /** People, sessions and the REST API (see docs/identity.md). */
  identity: z
    .strictObject({
      /** Where links in mail point (the console's address). Defaults to the listen address. */
      publicUrl: z.url().optional(),
      /** closed (default): only the first account signs up freely; others come by invite or `flowlink admin create`. */
      signup: z.enum(['open', 'closed']).default('closed'),
      /** auto: Secure cookies when the request came over https. Set true behind a TLS-terminating proxy. */
      secureCookies: z.union([z.literal('auto'), z.boolean()]).default('auto'),
      /** Extra origins allowed to make state-changing API requests (scheme://host[:port]). */
      allowedOrigins: z.array(z.string()).default([]),
      smtp: z
        .strictObject({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65535),
          secure: z.boolean().optional(),
          requireTls: z.boolean().optional(),
          user: z.string().optional(),
          password: z.string().optional(),
          from: z.string().min(3),
        })
        .optional(),
      /** Sign-in with GitHub, Yandex ID and VK ID (docs/identity.md); a provider is on when its section is present. */
      oauth: OAuthConfigSchema.optional(),
      /** FlowLink as an OAuth authorization server for MCP clients (docs/mcp-authorization.md); on unless enabled: false. */
      oauthServer: OAuthServerConfigSchema.optional(),
      /** Accept JWT access tokens of an external OpenID Connect issuer on /mcp (docs/mcp-authorization.md). */
      mcpAuth: McpAuthConfigSchema.optional(),
    })
    .default({ signup: 'closed', secureCookies: 'auto', allowedOrigins: [] }),
  /** Who may call what (docs/policy.md); hot-reloaded from this file, also editable through the API. */
  policies: PoliciesConfigSchema.optional(),
  /** Token buckets and daily quotas per org, agent, server, tool (docs/policy.md). */
  rateLimits: RateLimitsConfigSchema.optional(),
  /**
   * The human approval queue (docs/approvals.md): web, Slack, Telegram. Without this key a
   * call that needs approval is refused; `approvals: {}` turns the queue on.
   */
  approvals: ApprovalsConfigSchema.optional(),
  /** Secrets: grants of secrets to agents on servers, Vault, file roots (docs/secrets.md). */
  secrets: SecretsConfigSchema.optional(),
  /** Compliance reports written to a folder on a schedule (docs/compliance.md). */
  compliance: ComplianceConfigSchema.optional(),
  /** Context snapshots: schedule and automatic capture before policy changes (docs/snapshots.md). */
  snapshots: SnapshotsConfigSchema.optional(),
  /** SIEM sinks: Alertmanager, signed webhook, Splunk HEC, syslog/CEF, OCSF; durable delivery (docs/siem.md). */
  siem: SiemConfigSchema.optional(),
  /** Shield: command analysis, tool pinning, result scanning (see docs/shield.md). */
  shield: ShieldConfigSchema.default({ enabled: true }),
});

export type Config = z.output<typeof ConfigSchema>;
export type ServerConfig = z.output<typeof ServerSchema>;
export type StdioServerConfig = z.output<typeof StdioServerSchema>;
export type HttpServerConfig = z.output<typeof HttpServerSchema>;

export function isStdio(s: ServerConfig): s is StdioServerConfig {
  return 'command' in s;
}

export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (!m) throw new Error(`bad duration ${s}`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return n * unit;
}

function parseSize(s: string): number {
  const m = /^(\d+)(b|kb|mb)$/i.exec(s)!;
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[m[2]!.toLowerCase() as 'b'];
  return Number(m[1]) * unit;
}
