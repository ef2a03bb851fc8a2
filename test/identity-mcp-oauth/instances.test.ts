import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, privatePgUrl, servers } from '../helpers/flowlink.ts';
import { WebUser, tokensByHand, mcpPost, INIT, SHIELD } from './harness.ts';

// Two instances on one PostgreSQL: a token issued on A works on B, and revoking it on A stops
// B's open session (B had the token cached) — the revocation travels by NOTIFY.
test('a token revoked on one instance is refused by another instance\'s open session', async () => {
  const pgUrl = await privatePgUrl();
  const cfg = { servers: { everything: servers.everything }, identity: { signup: 'open' }, shield: SHIELD };
  const a = await startFlowLink(cfg, { pgUrl });
  const b = await startFlowLink(cfg, { pgUrl });
  try {
    const user = new WebUser(a.url);
    await user.signUp();
    const t = await tokensByHand({ url: a.url, user });
    const init = await mcpPost(`${b.url}/mcp`, t.access, INIT);
    assert.equal(init.status, 200);
    const session = init.headers.get('mcp-session-id')!;
    const call = (id: number) => mcpPost(`${b.url}/mcp`, t.access, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'everything__echo', arguments: { message: 'b' } } }, session);
    assert.equal((await call(2)).body.result.content[0].text, 'Echo: b');
    const res = await fetch(`${a.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t.access, client_id: t.clientId }).toString() });
    assert.equal(res.status, 200);
    // NOTIFY is asynchronous: wait (bounded) for B to drop its cached token.
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      status = (await call(3 + i)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 401, 'instance B refuses the revoked token');
    // The refresh token of the same authorization still works (an access token is revoked alone).
    const refreshed = await fetch(`${b.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: t.refresh, client_id: t.clientId }).toString() });
    assert.equal(refreshed.status, 200);
  } finally {
    await b.stop();
    await a.stop();
  }
});
