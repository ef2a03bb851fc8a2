import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { boot, authorizeUrl, authorizeByHand, tokensByHand, tokenRequest, registerClient, pkce, mcpPost, INIT, REDIRECT, WebUser } from './harness.ts';

type Booted = Awaited<ReturnType<typeof boot>>;

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`authorization server attacks (${backend})`, () => {
    let r: Booted;
    before(async () => {
      r = await boot({}, { postgres: backend === 'postgres' });
    });
    after(async () => r.stop());

    test('a wrong PKCE verifier gets invalid_grant, and the code is spent', async () => {
      const a = await authorizeByHand(r);
      const bad = await tokenRequest(r.url, { grant_type: 'authorization_code', code: a.code, code_verifier: pkce().verifier, redirect_uri: REDIRECT, client_id: a.clientId });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error, 'invalid_grant');
      assert.match(bad.body.error_description, /PKCE/);
      assert.equal(bad.headers.get('cache-control'), 'no-store');
      const retry = await tokenRequest(r.url, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: REDIRECT, client_id: a.clientId });
      assert.equal(retry.body.error, 'invalid_grant', 'a code is single use even after a failed attempt');
    });

    test('plain PKCE and a missing challenge are refused back at the redirect URI', async () => {
      const clientId = await registerClient(r.url);
      const plain = await r.user.openConsent(authorizeUrl(r.url, { clientId, challenge: pkce().challenge }).replace('code_challenge_method=S256', 'code_challenge_method=plain'));
      assert.equal(plain.status, 302);
      const loc = new URL(plain.location!);
      assert.equal(loc.searchParams.get('error'), 'invalid_request');
      assert.equal(loc.searchParams.get('state'), 'st-1');
      const none = await r.user.openConsent(authorizeUrl(r.url, { clientId, challenge: '' }).replace('code_challenge=&', ''));
      assert.match(none.location ?? '', /error=invalid_request/);
    });

    test('an unregistered redirect_uri is never redirected to; a different one at the token endpoint is refused', async () => {
      const clientId = await registerClient(r.url);
      const page = await r.user.openConsent(authorizeUrl(r.url, { clientId, challenge: pkce().challenge, redirect: 'https://evil.example/cb' }));
      assert.equal(page.status, 400);
      assert.equal(page.location, undefined);
      assert.match(page.html, /redirect_uri/);
      const a = await authorizeByHand(r, { clientId });
      const t = await tokenRequest(r.url, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: 'http://127.0.0.1:1/other', client_id: a.clientId });
      assert.equal(t.body.error, 'invalid_grant');
      assert.match(t.body.error_description, /redirect_uri/);
    });

    test('a replayed code is refused and revokes the tokens it bought', async () => {
      const a = await authorizeByHand(r);
      const form = { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: REDIRECT, client_id: a.clientId };
      const first = await tokenRequest(r.url, form);
      assert.equal(first.status, 200);
      assert.equal((await mcpPost(`${r.url}/mcp`, first.body.access_token, INIT)).status, 200);
      const second = await tokenRequest(r.url, form);
      assert.equal(second.body.error, 'invalid_grant');
      const after = await mcpPost(`${r.url}/mcp`, first.body.access_token, INIT);
      assert.equal(after.status, 401, 'the first exchange\'s access token is revoked');
      const refresh = await tokenRequest(r.url, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: a.clientId });
      assert.equal(refresh.body.error, 'invalid_grant');
      const ev = await r.fl.store.query<{ data: { what: string } }>("SELECT data FROM audit_events WHERE kind = 'oauth.token.reuse_detected'");
      assert.ok(ev.some((e) => e.data.what === 'code'));
    });

    test('refresh tokens rotate; reusing an old one revokes the whole family', async () => {
      const t = await tokensByHand(r);
      const r1 = await tokenRequest(r.url, { grant_type: 'refresh_token', refresh_token: t.refresh, client_id: t.clientId });
      assert.equal(r1.status, 200);
      assert.notEqual(r1.body.refresh_token, t.refresh);
      assert.notEqual(r1.body.access_token, t.access);
      assert.equal((await mcpPost(`${r.url}/mcp`, r1.body.access_token, INIT)).status, 200);
      // Another client id cannot use the token.
      const other = await tokenRequest(r.url, { grant_type: 'refresh_token', refresh_token: r1.body.refresh_token, client_id: await registerClient(r.url) });
      assert.equal(other.body.error, 'invalid_grant');
      // The attacker replays the old refresh token: everything of the family dies.
      const reuse = await tokenRequest(r.url, { grant_type: 'refresh_token', refresh_token: t.refresh, client_id: t.clientId });
      assert.equal(reuse.body.error, 'invalid_grant');
      assert.match(reuse.body.error_description, /already used/);
      assert.equal((await mcpPost(`${r.url}/mcp`, r1.body.access_token, INIT)).status, 401, 'the newest access token is revoked too');
      const r2 = await tokenRequest(r.url, { grant_type: 'refresh_token', refresh_token: r1.body.refresh_token, client_id: t.clientId });
      assert.equal(r2.body.error, 'invalid_grant', 'the newest refresh token is revoked too');
      // Narrowing on refresh is allowed, widening is not.
      const t2 = await tokensByHand(r, { scope: 'mcp:memory' });
      const wide = await tokenRequest(r.url, { grant_type: 'refresh_token', refresh_token: t2.refresh, client_id: t2.clientId, scope: 'mcp' });
      assert.equal(wide.body.error, 'invalid_scope');
    });

    test('a revoked token stops an open MCP session at its next call (revocation endpoint and agent revocation)', async () => {
      for (const how of ['revoke-endpoint', 'agent-api'] as const) {
        const t = await tokensByHand(r);
        const init = await mcpPost(`${r.url}/mcp`, t.access, INIT);
        assert.equal(init.status, 200);
        const session = init.headers.get('mcp-session-id')!;
        await mcpPost(`${r.url}/mcp`, t.access, { jsonrpc: '2.0', method: 'notifications/initialized' }, session);
        const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'everything__echo', arguments: { message: 'hi' } } };
        const ok = await mcpPost(`${r.url}/mcp`, t.access, call, session);
        assert.equal(ok.body.result?.content?.[0]?.text, 'Echo: hi');
        if (how === 'revoke-endpoint') {
          const res = await fetch(`${r.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t.refresh, client_id: t.clientId }).toString() });
          assert.equal(res.status, 200);
        } else {
          const agents = await r.user.json('GET', `/api/v1/orgs/${r.orgId}/agents`);
          const grant = (await r.fl.store.query<{ agent_id: string }>('SELECT agent_id FROM oauth_grants WHERE client_id = $1', [t.clientId]))[0]!;
          assert.ok(agents.body.agents.some((a: { id: string }) => a.id === grant.agent_id));
          assert.equal((await r.user.json('DELETE', `/api/v1/orgs/${r.orgId}/agents/${grant.agent_id}`)).status < 300, true);
        }
        // The session is still open, but its next call is refused: at once after the revocation
        // endpoint; after an agent revocation as soon as its NOTIFY arrives (bounded wait).
        let denied = await mcpPost(`${r.url}/mcp`, t.access, { ...call, id: 3 }, session);
        for (let i = 0; how === 'agent-api' && denied.status === 200 && i < 100; i++) {
          await new Promise((res) => setTimeout(res, 20));
          denied = await mcpPost(`${r.url}/mcp`, t.access, { ...call, id: 4 + i }, session);
        }
        assert.equal(denied.status, 401, `${how}: the edge refuses the revoked token`);
        assert.match(denied.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
        if (how === 'agent-api') {
          // Consenting again gives the same client a new agent (the revoked one stays revoked).
          const before = (await r.fl.store.query<{ agent_id: string }>('SELECT agent_id FROM oauth_grants WHERE client_id = $1', [t.clientId]))[0]!.agent_id;
          const again = await authorizeByHand(r, { clientId: t.clientId });
          const t2 = await tokenRequest(r.url, { grant_type: 'authorization_code', code: again.code, code_verifier: again.verifier, redirect_uri: REDIRECT, client_id: t.clientId });
          assert.equal((await mcpPost(`${r.url}/mcp`, t2.body.access_token, INIT)).status, 200);
          const after = (await r.fl.store.query<{ agent_id: string }>('SELECT agent_id FROM oauth_grants WHERE client_id = $1', [t.clientId]))[0]!.agent_id;
          assert.notEqual(after, before);
          assert.equal((await mcpPost(`${r.url}/mcp`, t.access, INIT)).status, 401, 'the old token stays dead');
        }
      }
    });

    test('insufficient scope: 403 with the scope that would allow it (server and tool level)', async () => {
      const t = await tokensByHand(r, { scope: 'mcp:memory' });
      const wrongServer = await mcpPost(`${r.url}/mcp/everything`, t.access, INIT);
      // A token for /mcp covers every server path; the scope is what is missing.
      assert.equal(wrongServer.status, 403);
      const h = wrongServer.headers.get('www-authenticate')!;
      assert.match(h, /error="insufficient_scope"/);
      assert.match(h, /scope="mcp:everything"/);
      assert.match(h, /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp\/everything"/);
      const init = await mcpPost(`${r.url}/mcp`, t.access, INIT);
      const session = init.headers.get('mcp-session-id')!;
      const call = await mcpPost(`${r.url}/mcp`, t.access, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'everything__echo', arguments: { message: 'x' } } }, session);
      assert.equal(call.status, 403);
      assert.match(call.headers.get('www-authenticate')!, /scope="mcp:everything\/echo"/);
      const list = await mcpPost(`${r.url}/mcp`, t.access, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} }, session);
      const names = (list.body.result.tools as { name: string }[]).map((x) => x.name);
      assert.ok(names.length > 0 && names.every((n) => n.startsWith('memory__')), 'only in-scope tools are listed');
    });

    test('a token issued for one server is refused on another resource', async () => {
      const t = await tokensByHand(r, { resource: `${r.url}/mcp/memory` });
      assert.equal(t.body.scope, 'mcp:memory', 'the default scope follows the resource');
      assert.equal((await mcpPost(`${r.url}/mcp/memory`, t.access, INIT)).status, 200);
      const other = await mcpPost(`${r.url}/mcp`, t.access, INIT);
      assert.equal(other.status, 401);
      assert.match(other.body.error.message, /another resource/);
    });

    test('the consent form needs the session, its CSRF token and a same-site origin', async () => {
      const clientId = await registerClient(r.url);
      const url = authorizeUrl(r.url, { clientId, challenge: pkce().challenge });
      const stranger = new WebUser(r.url);
      const anon = await stranger.openConsent(url);
      assert.equal(anon.status, 401);
      assert.match(anon.html, /Sign in/);
      const page = await r.user.openConsent(url);
      const noCsrf = await r.user.submitConsent({ ...page.fields, csrf_token: 'fl_csrf_forged' }, 'approve');
      assert.equal(noCsrf.status, 403);
      assert.equal(noCsrf.location, undefined);
      const res = await r.user.fetch('/oauth/authorize', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: new URLSearchParams({ ...page.fields, decision: 'approve' }).toString() });
      assert.equal(res.status, 403);
      // Another signed-in person replaying this user's form (with this user's CSRF token) is refused too.
      const other = new WebUser(r.url);
      await other.signUp();
      const cross = await other.submitConsent(page.fields, 'approve');
      assert.equal(cross.status, 403);
      // Deny goes back with access_denied and is audited.
      const deny = await r.user.submitConsent(page.fields, 'deny');
      assert.equal(new URL(deny.location!).searchParams.get('error'), 'access_denied');
      const ev = await r.fl.store.query("SELECT 1 FROM audit_events WHERE kind = 'oauth.consent.denied'");
      assert.equal(ev.length, 1);
    });

    test('the consent page speaks Russian to a Russian browser and escapes the client name', async () => {
      const clientId = await registerClient(r.url, '<script>alert(1)</script> Клиент');
      const page = await r.user.openConsent(authorizeUrl(r.url, { clientId, challenge: pkce().challenge }), 'ru-RU,ru;q=0.9');
      assert.equal(page.status, 200);
      assert.match(page.html, /Подключение MCP-клиента/);
      assert.match(page.html, /все серверы и инструменты/);
      assert.ok(!page.html.includes('<script>alert(1)</script>'));
      assert.match(page.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
    });

    test('a native client with a private-use scheme gets its code (CSP lets the form reach it)', async () => {
      const redirect = 'cursor://anysphere.cursor-retrieval/oauth/callback';
      const clientId = await registerClient(r.url, 'Cursor', redirect);
      const page = await r.user.openConsent(authorizeUrl(r.url, { clientId, challenge: pkce().challenge, redirect }));
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy')!, /form-action 'self' cursor:;/);
      assert.match(page.html, /cursor:\/\/anysphere\.cursor-retrieval/);
      const back = await r.user.submitConsent(page.fields, 'approve');
      assert.ok(back.location!.startsWith(`${redirect}?code=`));
    });

    test('registration refuses unsafe redirect URIs and secrets are never accepted at the token endpoint', async () => {
      for (const bad of ['http://evil.example/cb', 'javascript:alert(1)', 'https://x.example/cb#frag']) {
        const res = await fetch(`${r.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [bad] }) });
        assert.equal(res.status, 400, bad);
        assert.equal(((await res.json()) as { error: string }).error, 'invalid_redirect_uri');
      }
      const t = await tokenRequest(r.url, { grant_type: 'authorization_code', code: 'x', client_id: 'flc_xxxxxxxxxxxx', client_secret: 's', code_verifier: 'v', redirect_uri: REDIRECT });
      assert.equal(t.status, 401);
      assert.equal(t.body.error, 'invalid_client');
      const g = await tokenRequest(r.url, { grant_type: 'password', username: 'a', password: 'b' });
      assert.equal(g.body.error, 'unsupported_grant_type');
    });
  });
}
