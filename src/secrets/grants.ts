import { z } from 'zod';
import { globSource } from '../policy/glob.ts';
import { FlowLinkError } from '../lib/errors.ts';

const glob = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.*?:\/-]+$/, 'use letters, digits, "_", ".", "-", ":", "/" and the globs * and ?');
const labelKey = z.string().min(1).max(63).regex(/^[A-Za-z0-9_.\/-]+$/, 'a label key uses letters, digits, "_", ".", "/" and "-"');
const duration = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(ms|s|m)$/, 'expected a duration such as 500ms, 30s or 1m')]).transform((v) => (typeof v === 'number' ? v : Number(/^\d+/.exec(v)![0]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[/(ms|s|m)$/.exec(v)![1] as 'ms']));

/**
 * Who may use which secret where. A grant matches a call when the secret name matches
 * `secret`, the agent matches `agents` (names, globs) or carries every `agentLabels`
 * pair, the server matches `servers` and the tool matches `tools`.
 */
export const GrantSchema = z
  .strictObject({
    /** Secret name or glob (PROD_*). Names only: references to backends are stored under a name. */
    secret: glob,
    /** Agent names (globs) that may use it. */
    agents: z.array(glob).max(100).default([]),
    /** Or: agents carrying all of these labels (exact values). */
    agentLabels: z.record(labelKey, z.string().min(1).max(128)).refine((r) => Object.keys(r).length <= 20, 'at most 20 labels').default({}),
    /** Servers (globs) it may be sent to. */
    servers: z.array(glob).min(1).max(100),
    /** Tools (globs) of those servers; any tool when omitted. */
    tools: z.array(z.string().min(1).max(256)).min(1).max(100).default(['*']),
  })
  .refine((g) => g.agents.length > 0 || Object.keys(g.agentLabels).length > 0, { message: 'a grant names agents or agentLabels (or both)', path: ['agents'] });

/**
 * The `secrets:` section of the boot config (docs/secrets.md). Grants here apply in every
 * organization, each resolving names in its own store; orgs add their own grants in the
 * database (REST, CLI).
 */
export const SecretsConfigSchema = z
  .strictObject({
    grants: z.array(GrantSchema).max(1000).default([]),
    vault: z
      .strictObject({
        address: z.url({ protocol: /^https?$/ }),
        namespace: z.string().max(256).optional(),
        /** token: read from tokenEnv; approle: roleId here, secret id from secretIdEnv. */
        auth: z.discriminatedUnion('method', [
          z.strictObject({ method: z.literal('token'), tokenEnv: z.string().max(128).default('VAULT_TOKEN') }),
          z.strictObject({ method: z.literal('approle'), roleId: z.string().min(1).max(256), secretIdEnv: z.string().max(128).default('VAULT_SECRET_ID'), mount: z.string().max(128).default('approle') }),
        ]),
        cacheTtl: duration.default(30_000),
        timeout: duration.default(5_000),
      })
      .optional(),
    /** Folders `file:` references may read from (all absolute paths when empty). */
    fileRoots: z.array(z.string().startsWith('/').max(1024)).max(50).default([]),
  })
  .default({ grants: [], fileRoots: [] });

export type SecretsConfig = z.output<typeof SecretsConfigSchema>;
export type Grant = z.output<typeof GrantSchema>;
export type GrantInput = z.input<typeof GrantSchema>;

/** What the grant check looks at: the calling agent and where the value would go. */
export interface GrantSubject {
  agent: string;
  labels: Record<string, string>;
  server: string;
  tool: string;
}

export interface CompiledGrant {
  secret: (v: string) => boolean;
  agent: (name: string, labels: Record<string, string>) => boolean;
  server: (v: string) => boolean;
  tool: (v: string) => boolean;
}

function matcher(globs: readonly string[]): (v: string) => boolean {
  if (!globs.length) return () => false;
  const re = new RegExp(`^(?:${globs.map((g) => globSource(g, 'name')).join('|')})$`);
  return (v) => re.test(v);
}

/** Compiles a grant once (pure). */
export function compileGrant(g: Pick<Grant, 'secret' | 'agents' | 'agentLabels' | 'servers' | 'tools'>): CompiledGrant {
  const names = matcher(g.agents);
  const labels = Object.entries(g.agentLabels);
  return {
    secret: matcher([g.secret]),
    agent: (name, have) => names(name) || (labels.length > 0 && labels.every(([k, v]) => have[k] === v)),
    server: matcher(g.servers),
    tool: matcher(g.tools),
  };
}

/** Does any grant let `s` use `secret`? Pure. */
export function grantsAllow(grants: readonly CompiledGrant[], s: GrantSubject, secret: string): boolean {
  return grants.some((g) => g.secret(secret) && g.agent(s.agent, s.labels) && g.server(s.server) && g.tool(s.tool));
}

/** Parses a grant from outside (REST, CLI) with a message naming the bad field. */
export function parseGrant(input: unknown): Grant {
  const r = GrantSchema.safeParse(input);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new FlowLinkError('invalid_params', `grant ${i.path.join('.') || '(body)'}: ${i.message}`);
}
