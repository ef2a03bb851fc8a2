/**
 * The rate limiter: finds the limits that apply to a call, builds their bucket keys and
 * asks the backend to take one token from each (all or none). Limits are replaced on
 * every policy change (`configure`); the backend and the failure mode are fixed at start.
 * When the backend cannot answer, `onBackendError: closed` refuses the call and `open`
 * lets it through; both are counted and visible in `health()`.
 */
import { compileGlobs, type Matcher } from '../policy/glob.ts';
import { FlowLinkError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { parseRate, type LimitConfig } from './ratelimit.schema.ts';
import type { BucketSpec, RateLimitBackend } from './ratelimit.types.ts';

export interface RateInput {
  org: string;
  orgName?: string | undefined;
  agent: string;
  server: string;
  tool: string;
}

export type RateDecision =
  | { ok: true; limits: string[]; failedOpen?: boolean }
  | { ok: false; limit: string; kind: 'rate' | 'daily' | 'backend_unavailable'; retryAfterSeconds: number };

export interface RateLimitHealth {
  backend: 'memory' | 'redis';
  /** 1 while the backend answers, 0 while it does not (export as a gauge). */
  up: 0 | 1;
  failMode: 'closed' | 'open';
  /** Calls let through / refused because the backend could not answer. */
  failedOpen: number;
  failedClosed: number;
  lastError: string | undefined;
}

interface CompiledLimit {
  id: string;
  org: Matcher | undefined;
  agent: Matcher | undefined;
  server: Matcher | undefined;
  tool: ((server: string, tool: string) => boolean) | undefined;
  per: LimitConfig['per'];
  perMs: number | undefined;
  burst: number | undefined;
  daily: number | undefined;
}

function compileLimit(l: LimitConfig): CompiledLimit {
  const rate = l.rate ? parseRate(l.rate) : undefined;
  const plain = l.match.tools?.filter((g) => !g.includes('__'));
  const joined = l.match.tools?.filter((g) => g.includes('__'));
  const p = plain?.length ? compileGlobs(plain) : undefined;
  const j = joined?.length ? compileGlobs(joined) : undefined;
  return {
    id: l.id,
    org: l.match.orgs ? compileGlobs(l.match.orgs) : undefined,
    agent: l.match.agents ? compileGlobs(l.match.agents) : undefined,
    server: l.match.servers ? compileGlobs(l.match.servers) : undefined,
    tool: l.match.tools ? (s, t) => (p !== undefined && p(t)) || (j !== undefined && j(`${s}__${t}`)) : undefined,
    per: l.per,
    perMs: rate?.perMs,
    // A bucket holds at least one token, or it could never let a call through.
    burst: rate ? (l.burst ?? Math.max(1, Math.floor(rate.perInterval))) : undefined,
    daily: l.daily,
  };
}

const enc = (s: string) => encodeURIComponent(s);

export function rateLimitError(d: Extract<RateDecision, { ok: false }>): FlowLinkError {
  const msg =
    d.kind === 'backend_unavailable'
      ? `Rate limits cannot be checked right now (the rate-limit store is unreachable), so calls are refused; retry after ${d.retryAfterSeconds} s`
      : d.kind === 'daily'
        ? `Daily quota "${d.limit}" is used up; retry after ${d.retryAfterSeconds} s`
        : `Rate limit "${d.limit}" exceeded; retry after ${d.retryAfterSeconds} s`;
  return new FlowLinkError('rate_limited', msg, { limit: d.limit, kind: d.kind, retry_after_seconds: d.retryAfterSeconds });
}

export function createRateLimiter(deps: { backend: RateLimitBackend; failMode?: 'closed' | 'open'; logger?: Logger; limits?: readonly LimitConfig[] }) {
  const { backend, logger } = deps;
  const failMode = deps.failMode ?? 'closed';
  let limits: CompiledLimit[] = (deps.limits ?? []).map(compileLimit);
  let failedOpen = 0;
  let failedClosed = 0;

  function specsFor(input: RateInput): BucketSpec[] {
    const out: BucketSpec[] = [];
    for (const l of limits) {
      if (l.server && !l.server(input.server)) continue;
      if (l.tool && !l.tool(input.server, input.tool)) continue;
      if (l.org && !l.org(input.org) && !(input.orgName !== undefined && l.org(input.orgName))) continue;
      if (l.agent && !l.agent(input.agent)) continue;
      let key = enc(l.id);
      for (const dim of l.per) key += `:${dim}=${enc(dim === 'org' ? input.org : dim === 'agent' ? input.agent : dim === 'server' ? input.server : `${input.server}__${input.tool}`)}`;
      out.push({ limit: l.id, key, perMs: l.perMs, burst: l.burst, daily: l.daily });
    }
    return out;
  }

  return {
    /** Replaces the limits (hot reload); bucket state is kept for limits whose id stays. */
    configure(next: readonly LimitConfig[]) {
      limits = next.map(compileLimit);
    },

    async check(input: RateInput): Promise<RateDecision> {
      const specs = specsFor(input);
      if (specs.length === 0) return { ok: true, limits: [] };
      try {
        const r = await backend.take(specs);
        if (r.ok) return { ok: true, limits: specs.map((s) => s.limit) };
        return { ok: false, limit: r.limit, kind: r.kind, retryAfterSeconds: Math.max(1, Math.ceil(r.retryAfterMs / 1000)) };
      } catch (err) {
        logger?.warn({ err: (err as Error).message, backend: backend.kind, failMode }, 'rate-limit backend unavailable');
        if (failMode === 'open') {
          failedOpen++;
          return { ok: true, limits: [], failedOpen: true };
        }
        failedClosed++;
        return { ok: false, limit: specs[0]!.limit, kind: 'backend_unavailable', retryAfterSeconds: 1 };
      }
    },

    health(): RateLimitHealth {
      return { backend: backend.kind, up: backend.up ? 1 : 0, failMode, failedOpen, failedClosed, lastError: backend.lastError };
    },

    close: () => backend.close(),
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
