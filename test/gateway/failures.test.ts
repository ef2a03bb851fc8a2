import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { request } from 'node:http';
import { startFlowLink, ROOT, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';

const flaky = { command: process.execPath, args: [resolve(ROOT, 'test/fixtures/flaky-server.mjs')], timeout: '1500ms' };
let fl: Running;
before(async () => {
  fl = await startFlowLink({ servers: { flaky, broken: { command: '/nonexistent/binary' } }, limits: { maxBodyBytes: 4096 } });
});
after(async () => {
  await fl?.stop();
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${fl.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fl.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

test('missing or wrong token: 401 with WWW-Authenticate, nothing reaches the upstream', async () => {
  for (const auth of [undefined, 'Bearer fl_agent_wrong', 'Basic abc']) {
    const res = await fetch(`${fl.url}/mcp/flaky`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /token|Bearer/);
  }
  assert.equal(fl.fl.registry.status().find((s) => s.name === 'flaky')!.state, 'idle', 'upstream never started');
});

test('malformed input gets a clear error naming the problem', async () => {
  let r = await post('/mcp/flaky', '{not json');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, -32700);
  r = await post('/mcp/flaky', '{"jsonrpc":"1.0","id":1,"method":"x"}');
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /"jsonrpc" must be "2.0"/);
  r = await post('/mcp/flaky', '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}');
  assert.match(r.json.error.message, /"params" must be an object/);
  r = await post('/mcp/flaky', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(10_000) } }));
  assert.equal(r.status, 413);
  assert.match(r.json.error.message, /larger than the limit of 4096 bytes/);
  r = await post('/mcp/flaky', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { 'content-type': 'text/plain' });
  assert.equal(r.status, 415);
  r = await post('/mcp/flaky', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { 'mcp-session-id': 'nope' });
  assert.equal(r.status, 404);
  assert.match(r.json.error.message, /Session not found/);
  r = await post('/mcp/nosuch', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
  assert.equal(r.status, 404);
  assert.match(r.json.error.message, /no server named "nosuch"/);
  // fetch cannot forge Host; node:http can, as a rebinding browser effectively does.
  const status = await new Promise<number>((done, fail) => {
    const req = request(`${fl.url}/mcp/flaky`, { method: 'POST', headers: { host: 'evil.example', authorization: `Bearer ${fl.token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.end('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
  });
  assert.equal(status, 403, 'DNS-rebinding guard rejects a foreign Host');
});

test('an upstream that dies mid-call gives a clear error, restarts, and serves the next call', async () => {
  const c = await connectClient(`${fl.url}/mcp/flaky`, fl.token);
  try {
    await assert.rejects(c.client.callTool({ name: 'crash', arguments: {} }), /stopped during the request \(process exited \(code 3\)\)/);
    const r = await c.client.callTool({ name: 'echo', arguments: { text: 'back' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'back' }]);
    assert.ok(fl.fl.registry.status().find((s) => s.name === 'flaky')!.restarts >= 1);
  } finally {
    await c.close();
  }
});

test('an upstream that never answers times out with an error, and others keep being served', async () => {
  const c = await connectClient(`${fl.url}/mcp/flaky`, fl.token);
  try {
    const hang = c.client.callTool({ name: 'hang', arguments: {} });
    const echo = await c.client.callTool({ name: 'echo', arguments: { text: 'meanwhile' } });
    assert.deepEqual(echo.content, [{ type: 'text', text: 'meanwhile' }]);
    await assert.rejects(hang, /did not answer tools\/call within 2 s/);
  } finally {
    await c.close();
  }
});

test('a server that cannot start is reported, not hung on', async () => {
  const r = await post('/mcp/broken', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }));
  assert.match(r.json.error.message, /server "broken" could not be started/);
  const health = (await (await fetch(`${fl.url}/healthz`)).json()) as { servers: { name: string; lastError?: string }[] };
  assert.match(health.servers.find((s) => s.name === 'broken')!.lastError ?? '', /ENOENT|not found|could not/);
});

test('/metrics exposes per-tool call counters', async () => {
  const text = await (await fetch(`${fl.url}/metrics`)).text();
  assert.match(text, /flowlink_tool_calls_total\{server="flaky",tool="echo",outcome="ok"\} \d+/);
  assert.match(text, /flowlink_audit_healthy 1/);
});
