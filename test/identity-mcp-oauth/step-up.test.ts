import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { boot, TestProvider } from './harness.ts';

// The SDK's step-up (SEP-2350): a 403 insufficient_scope makes it ask again for the union of
// its scopes and the challenged one; after a second consent the same call goes through.
test('step-up: a call outside the token\'s scope sends the SDK client back for the missing scope', async () => {
  const r = await boot();
  try {
    const url = `${r.url}/mcp`;
    const provider = new TestProvider();
    const client = new Client({ name: 'step-up', version: '1' }, { capabilities: {} });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider })));
    // The person's browser asks only for the memory server this time (a narrower request than the client's).
    const first = new URL(provider.authorizationUrl!);
    first.searchParams.set('scope', 'mcp:memory');
    const cb1 = await r.user.approve(first);
    await new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }).finishAuth(cb1.searchParams);
    assert.equal(provider.saved.scope, 'mcp:memory');

    const c1 = new Client({ name: 'step-up', version: '1' }, { capabilities: {} });
    await c1.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
    const listed = (await c1.listTools()).tools.map((t) => t.name);
    assert.ok(listed.every((n) => n.startsWith('memory__')), 'only memory tools before step-up');
    const before = provider.redirects;
    await assert.rejects(c1.callTool({ name: 'everything__echo', arguments: { message: 'up' } }));
    assert.equal(provider.redirects, before + 1, 'the 403 sent the client to authorize again');
    const second = provider.authorizationUrl!;
    const asked = second.searchParams.get('scope')!.split(' ');
    assert.ok(asked.includes('mcp:everything/echo'), `challenged scope requested (${asked.join(' ')})`);
    assert.ok(asked.includes('mcp:memory') || asked.includes('mcp'), 'previous scopes kept');
    const cb2 = await r.user.approve(second);
    await new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }).finishAuth(cb2.searchParams);
    const c2 = new Client({ name: 'step-up', version: '1' }, { capabilities: {} });
    await c2.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
    const res = await c2.callTool({ name: 'everything__echo', arguments: { message: 'up' } });
    assert.match(JSON.stringify(res.content), /Echo: up/);
    // Both consents are one grant with one agent (reused per user and client), now with the wider scopes.
    const grants = await r.fl.store.query<{ agent_id: string; scope: string }>('SELECT agent_id, scope FROM oauth_grants WHERE client_id = $1', [provider.info.client_id]);
    assert.equal(grants.length, 1);
    assert.match(grants[0]!.scope, /mcp:everything\/echo/);
    const oauthAgents = (await r.fl.agents.list(r.orgId)).filter((a) => a.labels.source === 'oauth');
    assert.deepEqual(oauthAgents.map((a) => a.id), [grants[0]!.agent_id]);
    await c1.close();
    await c2.close();
  } finally {
    await r.stop();
  }
});
