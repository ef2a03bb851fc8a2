import type { Stage } from '../types.ts';
import type { RateLimiter } from '../../ratelimit/limiter.ts';
import { rateLimitError } from '../../ratelimit/limiter.ts';

/**
 * Takes a token from every limit that applies to the call (per agent, tool, server,
 * org) before any costlier check runs. A limited call is refused with the retry-after
 * time and recorded (`decision.rateLimit`) by the audit stage around it.
 */
export function createRateLimitStage(deps: { limiter: Pick<RateLimiter, 'check'>; orgName?: (orgId: string) => string | undefined }): Stage {
  return {
    name: 'rate-limit',
    async run(ctx, next) {
      const d = await deps.limiter.check({ org: ctx.identity.orgId, orgName: deps.orgName?.(ctx.identity.orgId), agent: ctx.identity.agentName, server: ctx.server, tool: ctx.tool });
      if (!d.ok) {
        ctx.decision.rateLimit = { limited: true, limit: d.limit, kind: d.kind, retryAfterSeconds: d.retryAfterSeconds };
        throw rateLimitError(d);
      }
      if (d.limits.length || d.failedOpen) ctx.decision.rateLimit = { limited: false, limits: d.limits, ...(d.failedOpen ? { failedOpen: true } : {}) };
      return next();
    },
  };
}
