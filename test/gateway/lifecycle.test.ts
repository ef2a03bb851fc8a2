import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, servers } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';

test('graceful shutdown lets an in-flight call finish, then refuses new work', async () => {
  const fl = await startFlowLink({ servers: { everything: servers.everything } });
  const c = await connectClient(`${fl.url}/mcp/everything`, fl.token);
  let stopped = false;
  try {
    const slow = c.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 2 } });
    await new Promise((r) => setTimeout(r, 200));
    const closing = fl.stop().then(() => (stopped = true));
    const r = await slow;
    assert.equal(r.isError ?? false, false, 'in-flight call completed');
    assert.match(JSON.stringify(r.content), /completed/i);
    await closing;
    assert.equal(stopped, true);
  } finally {
    await c.client.close().catch(() => {});
    if (!stopped) await fl.stop();
  }
});

test('idle sessions are closed after the configured timeout', async () => {
  const fl = await startFlowLink({ servers: { everything: servers.everything }, limits: { sessionIdleTimeout: '1s' } });
  try {
    const c = await connectClient(`${fl.url}/mcp/everything`, fl.token);
    await c.client.listTools();
    const id = c.transport.sessionId!;
    const post = () =>
      fetch(`${fl.url}/mcp/everything`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fl.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'ping' }),
      });
    assert.equal((await post()).status, 200);
    // No traffic for longer than the timeout plus one sweep: any request would count as activity.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await post()).status, 404, 'session expired');
    await c.client.close();
  } finally {
    await fl.stop();
  }
});

test('per-session servers: each agent session gets its own process, stopped with the session', async () => {
  const fl = await startFlowLink({ servers: { everything: { ...servers.everything, mode: 'per-session' } } });
  try {
    const a = await connectClient(`${fl.url}/mcp/everything`, fl.token);
    const b = await connectClient(`${fl.url}/mcp/everything`, fl.token);
    const status = () => fl.fl.registry.status()[0]!;
    assert.equal(status().mode, 'per-session');
    await a.client.callTool({ name: 'echo', arguments: { message: 'a' } });
    await b.client.callTool({ name: 'echo', arguments: { message: 'b' } });
    assert.equal(status().connections, 2, 'one process per session');
    await a.close(); // DELETE ends the session and its process
    await b.close();
    assert.equal(status().connections, 0);
  } finally {
    await fl.stop();
  }
});
