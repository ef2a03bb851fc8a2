/**
 * Token bucket and daily quota arithmetic, pure. A bucket starts full (`burst` tokens),
 * refills continuously at `perMs`, and a call takes one token. A daily quota counts
 * calls per UTC day. The Redis backend runs the same arithmetic in Lua.
 */
import type { BucketSpec, TakeResult } from './ratelimit.types.ts';

export const DAY_MS = 86_400_000;

export interface BucketState {
  tokens: number;
  ts: number;
}
export interface DailyState {
  day: number;
  count: number;
}

export function refill(s: BucketState | undefined, perMs: number, burst: number, now: number): number {
  if (!s) return burst;
  return Math.min(burst, s.tokens + Math.max(0, now - s.ts) * perMs);
}

/** Checks every bucket first and only then takes from all of them. */
export function takeAll(
  specs: readonly BucketSpec[],
  now: number,
  read: (spec: BucketSpec) => { bucket: BucketState | undefined; daily: DailyState | undefined },
  write: (spec: BucketSpec, bucket: BucketState | undefined, daily: DailyState | undefined) => void,
): TakeResult {
  const day = Math.floor(now / DAY_MS);
  const next: Array<{ bucket: BucketState | undefined; daily: DailyState | undefined }> = [];
  for (const spec of specs) {
    const cur = read(spec);
    let bucket: BucketState | undefined;
    let daily: DailyState | undefined;
    if (spec.perMs !== undefined && spec.burst !== undefined) {
      const tokens = refill(cur.bucket, spec.perMs, spec.burst, now);
      if (tokens < 1) return { ok: false, limit: spec.limit, kind: 'rate', retryAfterMs: Math.ceil((1 - tokens) / spec.perMs) };
      bucket = { tokens: tokens - 1, ts: now };
    }
    if (spec.daily !== undefined) {
      const count = cur.daily && cur.daily.day === day ? cur.daily.count : 0;
      if (count >= spec.daily) return { ok: false, limit: spec.limit, kind: 'daily', retryAfterMs: (day + 1) * DAY_MS - now };
      daily = { day, count: count + 1 };
    }
    next.push({ bucket, daily });
  }
  specs.forEach((spec, i) => write(spec, next[i]!.bucket, next[i]!.daily));
  return { ok: true };
}
