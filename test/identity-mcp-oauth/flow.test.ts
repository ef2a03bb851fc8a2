import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { boot, TestProvider } from './harness.ts';
import { connectClient } from '../helpers/client.ts';

/** Connects with the SDK's OAuth support; the first attempt ends in a redirect to the consent page. */
async function connect(url: string, provider: TestProvider) {
  const client = new Client({ name: 'oauth-test', version: '1.0.0' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  await client.connect(transport);
  return { client, transport };
}

for (const backend of ['pglite', 'postgres'] as const) {
  test(`the SDK client connects through FlowLink's authorization server without a pasted token (${backend})`, async () => {
    const r = await boot({}, { postgres: backend === 'postgres' });
    try {
      const provider = new TestProvider();
      const url = `${r.url}/mcp`;
      // 1. No token: 401 with resource_metadata → discovery → registration → redirect to /oauth/authorize.
      await assert.rejects(connect(url, provider), (e: Error) => /Unauthorized/i.test(e.name + e.message));
      assert.ok(provider.authorizationUrl, 'the SDK was sent to the authorization endpoint');
      const a = provider.authorizationUrl!;
      assert.equal(a.origin + a.pathname, `${r.url}/oauth/authorize`);
      assert.equal(a.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(a.searchParams.get('resource'), url);
      assert.equal(a.searchParams.get('scope'), 'mcp', 'the scope comes from the WWW-Authenticate challenge');
      assert.match(String(provider.info?.client_id), /^flc_/, 'registered dynamically');

      // 2. The person approves on the consent page (signed in with a cookie; CSRF token in the form).
      const page = await r.user.openConsent(a);
      assert.equal(page.status, 200);
      assert.match(page.html, /Test IDE/);
      assert.match(page.html, /all servers and tools/);
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
      const back = await r.user.submitConsent(page.fields, 'approve');
      assert.equal(back.status, 302);
      const cb = new URL(back.location!);
      assert.equal(cb.origin + cb.pathname, 'http://127.0.0.1:33418/callback');
      assert.equal(cb.searchParams.get('iss'), r.url, 'RFC 9207 iss in the response');
      assert.equal(cb.searchParams.get('state'), a.searchParams.get('state'));

      // 3. The SDK exchanges the code (PKCE verifier) and connects.
      const t0 = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
      await t0.finishAuth(cb.searchParams);
      assert.match(provider.saved.access_token, /^fl_oat_/);
      assert.match(provider.saved.refresh_token, /^fl_ort_/);
      const { client, transport } = await connect(url, provider);
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'everything__echo'));
      const res = await client.callTool({ name: 'everything__echo', arguments: { message: 'via oauth' } });
      assert.match(JSON.stringify(res.content), /via oauth/);

      // The same access token on the stateless 2026-07-28 revision.
      const modern = await connectClient(url, provider.saved.access_token, { modern: true });
      const mres = await modern.client.callTool({ name: 'everything__echo', arguments: { message: 'stateless' } });
      assert.match(JSON.stringify(mres.content), /Echo: stateless/);
      await modern.close();

      // The client is an agent of the org: visible in the agents API with the consented scopes, and audited.
      const agents = await r.user.json('GET', `/api/v1/orgs/${r.orgId}/agents`);
      const agent = agents.body.agents.find((x: { name: string }) => x.name.startsWith('mcp-test-ide-'));
      assert.ok(agent, 'an agent was created for (user, client)');
      const kinds = (await r.fl.store.query<{ kind: string; actor_id: string | null }>("SELECT kind, actor_id FROM audit_events WHERE kind LIKE 'oauth.%' OR kind = 'call.completed' ORDER BY seq")).map((e) => e.kind);
      for (const k of ['oauth.client.registered', 'oauth.consent.granted', 'oauth.token.issued', 'call.completed']) assert.ok(kinds.includes(k), `audited ${k}`);
      const call = (await r.fl.store.query<{ actor_id: string }>("SELECT actor_id FROM audit_events WHERE kind = 'call.completed' ORDER BY seq DESC LIMIT 1"))[0]!;
      assert.equal(call.actor_id, agent.id, 'the call is recorded under the OAuth agent');

      // 4. Refresh through the SDK: an expired-looking token is refreshed with rotation.
      const oldRefresh = provider.saved.refresh_token;
      provider.saved = { ...provider.saved, access_token: 'fl_oat_not-a-real-token' };
      await client.close();
      const again = await connect(url, provider);
      assert.notEqual(provider.saved.refresh_token, oldRefresh, 'the refresh token rotated');
      assert.ok((await again.client.listTools()).tools.length > 0);
      await again.client.close();
      await transport.close().catch(() => {});
    } finally {
      await r.stop();
    }
  });
}
