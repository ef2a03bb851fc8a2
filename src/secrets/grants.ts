import { z } from 'zod';
import { globSource } from '../policy/glob.ts';
import type { Queryable } from '../store/store.ts';
import { secretsRepo } from './secrets.repo.ts';

const glob = z.string().min(1).max(128);
const duration = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(ms|s|m)$/, 'expected a duration such as 500ms, 30s or 1m')]).transform((v) => (typeof v === 'number' ? v : Number(/^\d+/.exec(v)![0]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[/(ms|s|m)$/.exec(v)![1] as 'ms']));

export const GrantSchema = z.strictObject({
  /** Secret name or glob (PROD_*). Names only: references to backends are stored under a name. */
  secret: glob,
  /** Agent names (globs) that may use it. */
  agents: z.array(glob).min(1).max(100),
  /** Servers (globs) it may be sent to. */
  servers: z.array(glob).min(1).max(100),
});

/**
 * The `secrets:` section of the boot config (docs/secrets.md). Grants here apply in every
 * organization, each resolving names in its own store; orgs add their own grants in the
 * database.
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

function matcher(globs: readonly string[]): (v: string) => boolean {
  const re = new RegExp(`^(?:${globs.map((g) => globSource(g, 'name')).join('|')})$`);
  return (v) => re.test(v);
}

interface Compiled {
  secret: (v: string) => boolean;
  agent: (v: string) => boolean;
  server: (v: string) => boolean;
}

const compile = (g: Grant): Compiled => ({ secret: matcher([g.secret]), agent: matcher(g.agents), server: matcher(g.servers) });

/**
 * Answers "may this agent use this secret on this server?" from the config's grants and
 * the org's grants table (cached briefly per org).
 */
export function createGrantChecker(deps: { config: readonly Grant[]; db: Queryable; cacheMs?: number; clock?: () => number }) {
  const fromConfig = deps.config.map(compile);
  const clock = deps.clock ?? Date.now;
  const cacheMs = deps.cacheMs ?? 5_000;
  const perOrg = new Map<string, { grants: Compiled[]; until: number }>();

  async function orgGrants(orgId: string): Promise<Compiled[]> {
    const hit = perOrg.get(orgId);
    if (hit && hit.until > clock()) return hit.grants;
    const grants = (await secretsRepo.grants(deps.db, orgId)).map((g) => compile({ secret: g.secret, agents: g.agents, servers: g.servers }));
    perOrg.set(orgId, { grants, until: clock() + cacheMs });
    return grants;
  }

  return {
    async allows(orgId: string, agent: string, server: string, secret: string): Promise<boolean> {
      const all = [...fromConfig, ...(await orgGrants(orgId))];
      return all.some((g) => g.secret(secret) && g.agent(agent) && g.server(server));
    },
    invalidate(orgId: string) {
      perOrg.delete(orgId);
    },
  };
}

export type GrantChecker = ReturnType<typeof createGrantChecker>;
