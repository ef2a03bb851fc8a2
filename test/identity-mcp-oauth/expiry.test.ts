import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, tokensByHand, tokenRequest, mcpPost, INIT } from './harness.ts';

// Short-lived access tokens: an expired one is refused (401, invalid_token) on a new request and
// inside an open session; the refresh token still gets a new one. JSON bodies are refused at the
// token endpoint (form only).
test('an expired access token is refused and a refresh replaces it', async () => {
  const r = await boot({ identity: { signup: 'open', oauthServer: { accessTokenTtl: 1500 } } });
  try {
    const t = await tokensByHand(r);
    assert.equal(t.body.expires_in, 1);
    const init = await mcpPost(`${r.url}/mcp`, t.access, INIT);
    assert.equal(init.status, 200);
    const session = init.headers.get('mcp-session-id')!;
    await new Promise((res) => setTimeout(res, 1600));
    const late = await mcpPost(`${r.url}/mcp`, t.access, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, session);
    assert.equal(late.status, 401);
    assert.match(late.headers.get('www-authenticate')!, /error="invalid_token"/);
    const fresh = await tokenRequest(r.url, { grant_type: 'refresh_token', refresh_token: t.refresh, client_id: t.clientId });
    assert.equal(fresh.status, 200);
    assert.equal((await mcpPost(`${r.url}/mcp`, fresh.body.access_token, INIT)).status, 200);
    const json = await fetch(`${r.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: fresh.body.refresh_token, client_id: 42 }) });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { error: string }).error, 'invalid_request');
  } finally {
    await r.stop();
  }
});
