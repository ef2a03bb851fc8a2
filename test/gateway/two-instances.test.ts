import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startFlowLink, privatePgUrl, servers, type Running } from '../helpers/flowlink.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';
import { chainHash, GENESIS_HASH } from '../../src/audit/chain.ts';

// Two FlowLink instances on one PostgreSQL, as behind a load balancer.
let a: Running;
let b: Running;
before(async () => {
  const pgUrl = await privatePgUrl();
  a = await startFlowLink({ servers: { everything: servers.everything } }, { pgUrl });
  b = await startFlowLink({ servers: { everything: servers.everything } }, { pgUrl, token: a.token });
});
after(async () => {
  await a?.stop();
  await b?.stop();
});

test('a 2026-07-28 client is served by whichever instance each request lands on, and both write one audit chain', async () => {
  const hits = { a: 0, b: 0 };
  let n = 0;
  // A round-robin "load balancer" in the client's fetch: every request goes to the other instance.
  const roundRobin: typeof fetch = (input, init) => {
    const target = n++ % 2 === 0 ? a : b;
    hits[target === a ? 'a' : 'b']++;
    const url = new URL(String(input instanceof Request ? input.url : input));
    return fetch(`${target.url}${url.pathname}`, init);
  };
  const client = new Client({ name: 'lb-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } } as never);
  await client.connect(new StreamableHTTPClientTransport(new URL(`${a.url}/mcp/everything`), { fetch: roundRobin, requestInit: { headers: { authorization: `Bearer ${a.token}` } } }));
  try {
    for (let i = 0; i < 10; i++) {
      const r = await client.callTool({ name: 'echo', arguments: { message: `lb ${i}` } });
      assert.deepEqual(r.content, [{ type: 'text', text: `Echo: lb ${i}` }]);
    }
  } finally {
    await client.close();
  }
  assert.ok(hits.a >= 5 && hits.b >= 5, `both instances served (${hits.a}/${hits.b})`);
  const rows = await auditRepo.history(a.fl.store, { orgId: a.orgId, limit: 100 });
  assert.equal(rows.filter((r) => String((r.arguments as { message?: string }).message).startsWith('lb ')).length, 10);
  // One chain, no forks, although two writers appended to it.
  const events = await auditRepo.events(a.fl.store, a.orgId, 1, 10_000);
  let prev = GENESIS_HASH;
  events.forEach((e, i) => {
    assert.equal(e.seq, i + 1);
    const { prev_hash: _p, hash, ...fields } = e;
    assert.equal(chainHash(prev, { ...fields, ts: new Date(e.ts).toISOString() }), hash);
    prev = hash;
  });
});

test('a token revoked on one instance stops working on the other at once', async () => {
  const { token } = await a.fl.agents.create(a.orgId, 'short-lived');
  const call = (fl: Running) =>
    fetch(`${fl.url}/mcp/everything`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
  assert.equal((await call(b)).status, 200, 'works on b (and is now cached there)');
  await a.fl.agents.revoke(a.orgId, 'short-lived');
  // The revocation reaches b through NOTIFY; b must refuse within a second (not after its 30 s cache).
  let status = 0;
  for (const deadline = Date.now() + 1000; Date.now() < deadline; ) {
    status = (await call(b)).status;
    if (status === 401) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(status, 401);
});
