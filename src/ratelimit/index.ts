/** Rate limits and daily quotas: schema, limiter, in-memory and Redis backends. */
import type { Logger } from '../lib/logger.ts';
import { createMemoryBackend } from './memory.backend.ts';
import { createRedisBackend } from './redis.backend.ts';
import { createRateLimiter, type RateLimiter } from './limiter.ts';
import type { RateLimitsConfig } from './ratelimit.schema.ts';

export { RateLimitsConfigSchema, LimitSchema, parseRate, type RateLimitsConfig, type LimitConfig } from './ratelimit.schema.ts';
export { createRateLimiter, rateLimitError, type RateLimiter, type RateDecision, type RateInput, type RateLimitHealth } from './limiter.ts';
export { createMemoryBackend } from './memory.backend.ts';
export { createRedisBackend } from './redis.backend.ts';
export type { RateLimitBackend, BucketSpec, TakeResult } from './ratelimit.types.ts';

/** Builds the limiter the `rateLimits:` section asks for (backend settings are read once, here). */
export function createRateLimiterFromConfig(cfg: RateLimitsConfig, deps: { logger?: Logger; clock?: () => number; onBackendState?: (up: boolean) => void } = {}): RateLimiter {
  const backend =
    cfg.backend === 'redis'
      ? createRedisBackend({ url: cfg.redis.url, prefix: cfg.redis.prefix, timeoutMs: cfg.redis.timeoutMs, ...(deps.onBackendState ? { onStateChange: deps.onBackendState } : {}) })
      : createMemoryBackend(deps.clock ? { clock: deps.clock } : {});
  return createRateLimiter({ backend, failMode: cfg.onBackendError, limits: cfg.limits, ...(deps.logger ? { logger: deps.logger } : {}) });
}
