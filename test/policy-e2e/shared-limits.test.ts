import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, privatePgUrl, servers, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';

// Two instances on one PostgreSQL and one Redis: an agent calling both is held to one limit.
const prefix = `flowlink:test:${process.pid}:${Date.now()}:`;
const rateLimits = { backend: 'redis', redis: { url: 'redis://127.0.0.1:6379', prefix }, limits: [{ id: 'shared-echo', match: { tools: ['echo'] }, per: ['agent'], rate: '1/h', burst: 5 }] };
let a: Running;
let b: Running;
before(async () => {
  const pgUrl = await privatePgUrl();
  a = await startFlowLink({ servers: { everything: servers.everything }, rateLimits }, { pgUrl });
  b = await startFlowLink({ servers: { everything: servers.everything }, rateLimits }, { pgUrl, token: a.token });
});
after(async () => {
  await a?.stop();
  await b?.stop();
});

test('calls alternating between two instances share one Redis-backed bucket', async () => {
  const ca = await connectClient(`${a.url}/mcp/everything`, a.token);
  const cb = await connectClient(`${b.url}/mcp/everything`, a.token);
  let ok = 0;
  let limited = 0;
  try {
    for (let i = 0; i < 12; i++) {
      const c = i % 2 === 0 ? ca : cb;
      await c.client.callTool({ name: 'echo', arguments: { message: `shared ${i}` } }).then(
        () => ok++,
        (e: Error) => {
          assert.match(e.message, /Rate limit "shared-echo" exceeded; retry after \d+ s/);
          limited++;
        },
      );
    }
  } finally {
    await ca.close();
    await cb.close();
  }
  assert.equal(ok, 5, 'exactly the burst was allowed across both instances');
  assert.equal(limited, 7);
  assert.equal(a.fl.limiter.health().up, 1);
});
