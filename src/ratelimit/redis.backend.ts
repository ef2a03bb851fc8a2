/**
 * Buckets in Redis, shared by every FlowLink instance pointing at it. One Lua script
 * checks and takes from all of a call's buckets atomically, on Redis's own clock, so
 * instances with skewed clocks still agree. Keys for daily quotas are built inside the
 * script from the day number: this backend is for a single Redis (or a primary with
 * replicas), not Redis Cluster.
 */
import { Redis } from 'ioredis';
import type { BucketSpec, RateLimitBackend, TakeResult } from './ratelimit.types.ts';

const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local day = math.floor(tonumber(t[1]) / 86400)
local n = tonumber(ARGV[1])
local tokens = {}
local counts = {}
for i = 1, n do
  local perMs = tonumber(ARGV[3 * i - 1])
  local burst = tonumber(ARGV[3 * i])
  local daily = tonumber(ARGV[3 * i + 1])
  if perMs > 0 then
    local s = redis.call('HMGET', KEYS[2 * i - 1], 't', 'ts')
    local tk = tonumber(s[1])
    local ts = tonumber(s[2])
    if tk == nil or ts == nil then tk = burst ts = now end
    tk = math.min(burst, tk + math.max(0, now - ts) * perMs)
    if tk < 1 then return {0, i, math.ceil((1 - tk) / perMs), 1} end
    tokens[i] = tk
  end
  if daily > 0 then
    local c = tonumber(redis.call('GET', KEYS[2 * i] .. ':' .. day) or '0')
    if c >= daily then return {0, i, (day + 1) * 86400000 - now, 2} end
    counts[i] = c
  end
end
for i = 1, n do
  if tokens[i] then
    local perMs = tonumber(ARGV[3 * i - 1])
    local burst = tonumber(ARGV[3 * i])
    redis.call('HSET', KEYS[2 * i - 1], 't', tostring(tokens[i] - 1), 'ts', tostring(now))
    redis.call('PEXPIRE', KEYS[2 * i - 1], math.ceil(burst / perMs) + 1000)
  end
  if counts[i] then
    local k = KEYS[2 * i] .. ':' .. day
    redis.call('INCR', k)
    redis.call('EXPIRE', k, 172800)
  end
end
return {1}
`;

export interface RedisBackendOptions {
  url: string;
  prefix: string;
  /** A command slower than this fails (and counts as the backend being down). */
  timeoutMs: number;
  onStateChange?: (up: boolean) => void;
}

type TakeCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number[]>;

export function createRedisBackend(opts: RedisBackendOptions): RateLimitBackend {
  const redis = new Redis(opts.url, {
    // Fail at once while disconnected rather than queueing calls behind a dead server.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.timeoutMs,
    connectTimeout: Math.max(1000, opts.timeoutMs * 4),
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
  });
  redis.defineCommand('flowlinkTake', { lua: TAKE_SCRIPT });
  let up = false;
  let lastError: string | undefined = 'not connected yet';
  const setUp = (v: boolean, err?: string) => {
    if (err !== undefined) lastError = err;
    if (v) lastError = undefined;
    if (v !== up) {
      up = v;
      opts.onStateChange?.(v);
    }
  };
  redis.on('ready', () => setUp(true));
  redis.on('error', (err: Error) => setUp(false, err.message));
  redis.on('end', () => setUp(false, 'connection closed'));
  redis.on('close', () => setUp(false, 'connection closed'));

  return {
    kind: 'redis',
    get up() {
      return up;
    },
    get lastError() {
      return lastError;
    },
    async take(specs: readonly BucketSpec[]): Promise<TakeResult> {
      if (specs.length === 0) return { ok: true };
      const keys: string[] = [];
      const argv: (string | number)[] = [specs.length];
      for (const s of specs) {
        keys.push(`${opts.prefix}b:${s.key}`, `${opts.prefix}d:${s.key}`);
        argv.push(s.perMs ?? 0, s.burst ?? 0, s.daily ?? 0);
      }
      let r: number[];
      try {
        r = await (redis as unknown as { flowlinkTake: TakeCommand }).flowlinkTake(keys.length, ...keys, ...argv);
      } catch (err) {
        setUp(false, (err as Error).message);
        throw err;
      }
      setUp(true);
      if (r[0] === 1) return { ok: true };
      const spec = specs[(r[1] ?? 1) - 1]!;
      return { ok: false, limit: spec.limit, kind: r[3] === 2 ? 'daily' : 'rate', retryAfterMs: Math.max(1, r[2] ?? 1000) };
    },
    async close() {
      redis.disconnect();
    },
  };
}
