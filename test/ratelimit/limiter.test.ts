import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createRateLimiter, rateLimitError } from '../../src/ratelimit/limiter.ts';
import { createMemoryBackend } from '../../src/ratelimit/memory.backend.ts';
import { createRedisBackend } from '../../src/ratelimit/redis.backend.ts';
import { RateLimitsConfigSchema } from '../../src/ratelimit/ratelimit.schema.ts';

const REDIS_URL = process.env.FLOWLINK_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const limits = (l: unknown[]) => RateLimitsConfigSchema.parse({ limits: l }).limits;
const call = { org: 'org_1', agent: 'bot', server: 'kubernetes', tool: 'delete_pod' };

async function requireRedis(): Promise<void> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  try {
    await r.connect();
    await r.ping();
  } catch (err) {
    throw new Error(`Redis is required for this test at ${REDIS_URL}: ${(err as Error).message}`);
  } finally {
    r.disconnect();
  }
}

async function until(ok: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('memory: burst, refill, retry-after and daily quota', async () => {
  let now = Date.UTC(2026, 0, 7, 23, 59, 0);
  const rl = createRateLimiter({ backend: createMemoryBackend({ clock: () => now }), limits: limits([{ id: 'agent', rate: '1/s', burst: 3 }, { id: 'quota', daily: 5, per: ['agent'] }]) });
  for (let i = 0; i < 3; i++) assert.equal((await rl.check(call)).ok, true);
  const d = await rl.check(call);
  assert.deepEqual(d, { ok: false, limit: 'agent', kind: 'rate', retryAfterSeconds: 1 });
  const err = rateLimitError(d as Extract<typeof d, { ok: false }>);
  assert.equal(err.code, 'rate_limited');
  assert.equal(err.data?.retry_after_seconds, 1);
  assert.match(err.message, /Rate limit "agent" exceeded; retry after 1 s/);
  now += 2000;
  assert.equal((await rl.check(call)).ok, true);
  assert.equal((await rl.check(call)).ok, true);
  now += 10_000;
  const q = await rl.check(call);
  assert.equal(q.ok, false, 'sixth call of the day hits the quota');
  assert.deepEqual(q.ok === false && [q.limit, q.kind, q.retryAfterSeconds], ['quota', 'daily', 48]);
  now += 60_000;
  assert.equal((await rl.check(call)).ok, true, 'a new UTC day');
});

test('memory: keys per dimension, matching, all-or-nothing and hot reconfigure', async () => {
  let now = 1_000_000;
  const rl = createRateLimiter({ backend: createMemoryBackend({ clock: () => now }), limits: limits([{ id: 'per-agent', rate: '2/m' }, { id: 'deletes', rate: '1/m', per: ['tool'], match: { tools: ['*__delete_*'] } }]) });
  assert.equal((await rl.check(call)).ok, true);
  const other = { ...call, agent: 'other' };
  const d = await rl.check(other);
  assert.equal(d.ok === false && d.limit, 'deletes', 'the tool bucket is shared by agents');
  // The refused call did not take other's per-agent token: two reads still pass.
  assert.equal((await rl.check({ ...other, tool: 'get' })).ok, true);
  assert.equal((await rl.check({ ...other, tool: 'get' })).ok, true);
  assert.equal((await rl.check({ ...other, tool: 'get' })).ok, false);
  rl.configure(limits([{ id: 'per-agent', rate: '100/m' }]));
  assert.equal((await rl.check(call)).ok, true, 'new limits apply at once');
  now += 1;
});

test('redis: two limiter instances sharing Redis are held to one limit', async () => {
  await requireRedis();
  const prefix = `fltest:${process.pid}:${Date.now()}:`;
  const cfg = limits([{ id: 'shared', rate: '10/m', burst: 10 }]);
  const a = createRateLimiter({ backend: createRedisBackend({ url: REDIS_URL, prefix, timeoutMs: 1000 }), limits: cfg });
  const b = createRateLimiter({ backend: createRedisBackend({ url: REDIS_URL, prefix, timeoutMs: 1000 }), limits: cfg });
  try {
    await until(() => a.health().up === 1 && b.health().up === 1);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).check(call)));
    assert.equal(results.filter((r) => r.ok).length, 10);
    const refused = results.find((r) => !r.ok);
    assert.ok(refused && !refused.ok && refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 6);
  } finally {
    await a.close();
    await b.close();
  }
});

test('redis: daily quota and all-or-nothing hold in the script too', async () => {
  await requireRedis();
  const prefix = `fltest:${process.pid}:${Date.now()}:q:`;
  const rl = createRateLimiter({ backend: createRedisBackend({ url: REDIS_URL, prefix, timeoutMs: 1000 }), limits: limits([{ id: 'quota', daily: 3 }, { id: 'tight', rate: '1/h', per: ['tool'], match: { tools: ['delete_*'] } }]) });
  try {
    await until(() => rl.health().up === 1);
    assert.equal((await rl.check(call)).ok, true);
    const d = await rl.check(call);
    assert.equal(d.ok === false && d.limit, 'tight');
    assert.equal((await rl.check({ ...call, tool: 'get' })).ok, true);
    assert.equal((await rl.check({ ...call, tool: 'get' })).ok, true, 'the refused call used no quota');
    const q = await rl.check({ ...call, tool: 'get' });
    assert.equal(q.ok === false && q.kind, 'daily');
  } finally {
    await rl.close();
  }
});

test('redis unreachable: fail closed by default, fail open when configured, visible in health()', async () => {
  const cfg = limits([{ id: 'x', rate: '10/s' }]);
  const closed = createRateLimiter({ backend: createRedisBackend({ url: 'redis://127.0.0.1:1', prefix: 'x:', timeoutMs: 100 }), limits: cfg });
  const open = createRateLimiter({ backend: createRedisBackend({ url: 'redis://127.0.0.1:1', prefix: 'x:', timeoutMs: 100 }), failMode: 'open', limits: cfg });
  try {
    const d = await closed.check(call);
    assert.equal(d.ok, false);
    assert.equal(d.ok === false && d.kind, 'backend_unavailable');
    assert.match(rateLimitError(d as Extract<typeof d, { ok: false }>).message, /rate-limit store is unreachable/);
    const h = closed.health();
    assert.deepEqual([h.backend, h.up, h.failMode, h.failedClosed], ['redis', 0, 'closed', 1]);
    assert.ok(h.lastError);
    const o = await open.check(call);
    assert.deepEqual([o.ok, o.ok && o.failedOpen], [true, true]);
    assert.equal(open.health().failedOpen, 1);
  } finally {
    await closed.close();
    await open.close();
  }
});
