import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startFlowLink, servers, ROOT, type Running } from '../helpers/flowlink.ts';

let fl: Running;
before(async () => {
  fl = await startFlowLink({ servers: { everything: servers.everything } });
});
after(async () => {
  await fl?.stop();
});

function openWs(path: string, token: string): Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(`${fl.url.replace('http', 'ws')}${path}`, 'mcp', { headers: { authorization: `Bearer ${token}` } });
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const any = () => new Promise<Record<string, unknown>>((r) => (queue.length ? r(queue.shift()!) : waiters.push(r)));
  // The next response, skipping notifications (servers may send list_changed at any time).
  const next = async () => {
    for (;;) {
      const m = await any();
      if (!('method' in m)) return m;
    }
  };
  return new Promise((done, fail) => {
    ws.once('open', () => done({ ws, next }));
    ws.once('error', fail);
  });
}

test('WebSocket (subprotocol mcp): initialize, call a tool, get the audit-backed result', async () => {
  const { ws, next } = await openWs('/ws/mcp/everything', fl.token);
  try {
    assert.equal(ws.protocol, 'mcp');
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'ws-test', version: '1' } } }));
    const init = await next();
    assert.equal((init.result as { protocolVersion: string }).protocolVersion, '2025-11-25');
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'over ws' } } }));
    const res = await next();
    assert.deepEqual((res.result as { content: unknown }).content, [{ type: 'text', text: 'Echo: over ws' }]);
    ws.send('{broken');
    assert.equal(((await next()).error as { code: number }).code, -32700);
  } finally {
    ws.close();
  }
});

test('WebSocket with a wrong token is closed with a policy-violation code before anything runs', async () => {
  const { ws } = await openWs('/ws/mcp/everything', 'fl_agent_nope');
  const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
  assert.equal(code, 1008);
});

test('flowlink connect bridges a stdio-only client to FlowLink', async () => {
  const transport = new StdioClientTransport({ command: process.execPath, args: [resolve(ROOT, 'bin/flowlink.js'), 'connect', `${fl.url}/mcp`], env: { ...process.env, FLOWLINK_TOKEN: fl.token } as Record<string, string> });
  const client = new Client({ name: 'desktop-like', version: '1' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'everything__echo'));
    const r = await client.callTool({ name: 'everything__echo', arguments: { message: 'bridged' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'Echo: bridged' }]);
  } finally {
    await client.close();
  }
});
