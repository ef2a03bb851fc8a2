/** In-process buckets: enough for one FlowLink instance. */
import { takeAll, refill, type BucketState, type DailyState, DAY_MS } from './bucket.ts';
import type { BucketSpec, RateLimitBackend } from './ratelimit.types.ts';

const SWEEP_EVERY = 10_000;

export function createMemoryBackend(deps: { clock?: () => number } = {}): RateLimitBackend {
  const now = deps.clock ?? Date.now;
  const buckets = new Map<string, BucketState & { perMs: number; burst: number }>();
  const daily = new Map<string, DailyState>();
  let takes = 0;

  // Full buckets and past days carry no information; dropping them bounds memory.
  function sweep(t: number) {
    for (const [k, b] of buckets) if (refill(b, b.perMs, b.burst, t) >= b.burst) buckets.delete(k);
    const day = Math.floor(t / DAY_MS);
    for (const [k, d] of daily) if (d.day !== day) daily.delete(k);
  }

  return {
    kind: 'memory',
    up: true,
    lastError: undefined,
    async take(specs: readonly BucketSpec[]) {
      const t = now();
      if (++takes % SWEEP_EVERY === 0) sweep(t);
      return takeAll(
        specs,
        t,
        (s) => ({ bucket: buckets.get(s.key), daily: daily.get(s.key) }),
        (s, b, d) => {
          if (b) buckets.set(s.key, { ...b, perMs: s.perMs!, burst: s.burst! });
          if (d) daily.set(s.key, d);
        },
      );
    },
    async close() {
      buckets.clear();
      daily.clear();
    },
  };
}
