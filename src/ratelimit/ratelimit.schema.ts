/**
 * The `rateLimits:` section of flowlink.yaml (also accepted through the policy API).
 * `limits` are hot-reloaded with the policy set; `backend`, `redis` and `onBackendError`
 * are read when FlowLink starts.
 *
 * rateLimits:
 *   backend: redis                 # memory (default, one instance) | redis (shared by instances)
 *   redis: { url: redis://127.0.0.1:6379, prefix: "flowlink:rl:", timeoutMs: 250 }
 *   onBackendError: closed         # closed (default): refuse calls while Redis is unreachable | open
 *   limits:
 *     - id: agent-default
 *       per: [org, agent]          # one bucket per org and agent (dimensions: org, agent, server, tool)
 *       rate: 10/s                 # refill rate: N/s, N/m, N/h or N/d
 *       burst: 20                  # bucket size (default: one interval's worth, at least 1)
 *       daily: 5000                # calls per UTC day, per bucket key (optional)
 *     - id: k8s-deletes
 *       match: { tools: ["kubernetes__delete_*"] }
 *       per: [tool]
 *       rate: 5/m
 */
import { z } from 'zod';

const globList = z.array(z.string().min(1).max(200)).min(1).max(200);

const RATE = /^(\d+(?:\.\d+)?)\/(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const LimitSchema = z
  .strictObject({
    id: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,99}$/, 'limit ids use letters, digits, ".", "_", ":" and "-" (max 100)'),
    description: z.string().max(500).optional(),
    /** Which calls count; absent keys match all. Tool globs containing "__" match "server__tool". */
    match: z
      .strictObject({
        orgs: globList.optional(),
        agents: globList.optional(),
        servers: globList.optional(),
        tools: globList.optional(),
      })
      .default({}),
    /** The bucket key: one bucket per distinct value of these dimensions (empty: one bucket for all). */
    per: z.array(z.enum(['org', 'agent', 'server', 'tool'])).max(4).default(['org', 'agent']),
    rate: z.string().regex(RATE, 'expected a rate such as 10/s, 100/m, 1000/h or 5000/d').optional(),
    burst: z.number().int().min(1).max(1_000_000).optional(),
    daily: z.number().int().min(1).max(1_000_000_000).optional(),
  })
  .superRefine((l, ctx) => {
    if (l.rate === undefined && l.daily === undefined) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'a limit needs "rate", "daily" or both' });
    if (l.burst !== undefined && l.rate === undefined) ctx.addIssue({ code: 'custom', path: ['burst'], message: '"burst" needs "rate"' });
  });

export const RateLimitsConfigSchema = z
  .strictObject({
    backend: z.enum(['memory', 'redis']).default('memory'),
    redis: z
      .strictObject({
        url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
        prefix: z.string().max(100).default('flowlink:rl:'),
        /** A Redis answer slower than this counts as a backend error. */
        timeoutMs: z.number().int().min(10).max(10_000).default(250),
      })
      .default({ url: 'redis://127.0.0.1:6379', prefix: 'flowlink:rl:', timeoutMs: 250 }),
    onBackendError: z.enum(['closed', 'open']).default('closed'),
    limits: z.array(LimitSchema).max(10_000).default([]),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.limits.forEach((l, i) => {
      const first = seen.get(l.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['limits', i, 'id'], message: `duplicate limit id "${l.id}" (first used by limits[${first}])` });
      else seen.set(l.id, i);
    });
  });

export type RateLimitsConfig = z.output<typeof RateLimitsConfigSchema>;
export type LimitConfig = z.output<typeof LimitSchema>;

/** "10/s" → tokens per millisecond and the interval's token count. */
export function parseRate(rate: string): { perMs: number; perInterval: number } {
  const m = RATE.exec(rate);
  if (!m) throw new Error(`bad rate ${rate}`);
  const n = Number(m[1]);
  return { perMs: n / UNIT_MS[m[2] as keyof typeof UNIT_MS], perInterval: n };
}
