import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startFlowLink, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';
import { Browser, PASSWORD, uniqueEmail, type Api } from './harness.ts';

/**
 * Issue 6's attack "revoked token on an open MCP session" for agent tokens managed through
 * the REST API (MCP OAuth tokens: test/identity-mcp-oauth/attacks.test.ts; a revocation
 * reaching another instance: test/gateway/two-instances.test.ts). The session stays open;
 * its next call must be refused.
 */
let run: Running;
let owner: Browser;
let orgId: string;

before(async () => {
  run = await startFlowLink({ identity: { signup: 'open' } });
  owner = new Browser({ app: run.fl.app } as Api, '10.95.0.1');
  assert.equal((await owner.req('POST', '/api/v1/auth/sign-up', { email: uniqueEmail('rev'), password: PASSWORD })).status, 201);
  orgId = (await owner.req('POST', '/api/v1/orgs', { name: `rev-${Date.now()}` })).body.org.id;
});
after(async () => run?.stop());

async function newAgent(name: string) {
  const r = await owner.req('POST', `/api/v1/orgs/${orgId}/agents`, { name });
  assert.equal(r.status, 201);
  return { id: r.body.agent.id as string, token: r.body.token as string };
}

const echo = { name: 'echo', arguments: { message: 'still there?' } };

test('an agent deleted through the API: its open Streamable HTTP session is refused at the next call', async () => {
  const agent = await newAgent(`rev-http-${Date.now()}`);
  const c = await connectClient(`${run.url}/mcp/everything`, agent.token);
  try {
    assert.ok(JSON.stringify(await c.client.callTool(echo)).includes('still there?'));
    assert.equal((await owner.req('DELETE', `/api/v1/orgs/${orgId}/agents/${agent.id}`)).status, 204);
    await assert.rejects(() => c.client.callTool(echo), /unauthori|revoked|not valid|401/i);
  } finally {
    await c.close();
  }
});

test('rotation with no overlap: the open session of the old token is refused, the new token works', async () => {
  const agent = await newAgent(`rev-rot-${Date.now()}`);
  const c = await connectClient(`${run.url}/mcp/everything`, agent.token);
  try {
    await c.client.callTool(echo);
    const rot = await owner.req('POST', `/api/v1/orgs/${orgId}/agents/${agent.id}/rotate`, { overlapSeconds: 0 });
    assert.equal(rot.status, 200);
    await assert.rejects(() => c.client.callTool(echo), /unauthori|revoked|not valid|401/i);
    const fresh = await connectClient(`${run.url}/mcp/everything`, rot.body.token);
    assert.ok(JSON.stringify(await fresh.client.callTool(echo)).includes('still there?'));
    await fresh.close();
  } finally {
    await c.close();
  }
});

test('an agent deleted through the API: its open WebSocket session gets an error for the next call', async () => {
  const agent = await newAgent(`rev-ws-${Date.now()}`);
  const ws = new WebSocket(`${run.url.replace('http', 'ws')}/ws/mcp/everything`, 'mcp', { headers: { authorization: `Bearer ${agent.token}` } });
  const answers = new Map<number, Record<string, unknown>>();
  const waiters = new Map<number, (m: Record<string, unknown>) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as Record<string, unknown>;
    if (typeof m.id === 'number') (waiters.get(m.id) ?? ((x) => answers.set(m.id as number, x)))(m);
  });
  const ask = (id: number, method: string, params: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      waiters.set(id, resolve);
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  await new Promise((r) => ws.once('open', r));
  try {
    await ask(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'rev', version: '1' } });
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    assert.ok('result' in (await ask(2, 'tools/call', echo)));
    assert.equal((await owner.req('DELETE', `/api/v1/orgs/${orgId}/agents/${agent.id}`)).status, 204);
    const after = await ask(3, 'tools/call', echo);
    assert.ok('error' in after || (after.result as { isError?: boolean })?.isError === true, `the call after revocation answered ${JSON.stringify(after).slice(0, 200)}`);
    assert.ok(!JSON.stringify(after).includes('still there?'), 'the tool did not run');
  } finally {
    ws.terminate();
  }
});
