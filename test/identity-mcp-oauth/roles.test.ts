import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, WebUser, uniqueEmail, tokensByHand, tokenRequest, registerClient, authorizeUrl, pkce } from './harness.ts';

// Only owners and admins may connect MCP clients to an org; a demoted or removed person's
// authorization stops (refresh refused; access tokens at their next check, within 30 s).
test('who may consent, and what happens when the person is demoted', async () => {
  const r = await boot();
  try {
    const email = uniqueEmail('adm');
    const inv = await r.user.json('POST', `/api/v1/orgs/${r.orgId}/invites`, { email, role: 'admin' });
    assert.equal(inv.status, 201);
    const admin = new WebUser(r.url);
    await admin.signUp(email);
    const token = /token=([^&#]+)/.exec(inv.body.link)![1]!;
    assert.equal((await admin.json('POST', '/api/v1/invites/accept', { token: decodeURIComponent(token) })).status, 200);
    const t = await tokensByHand({ url: r.url, user: admin });
    assert.ok(t.access);

    // Demoted to viewer: the refresh is refused and the consent page offers no org.
    const userId = (await admin.json('GET', '/api/v1/me')).body.user.id as string;
    assert.equal((await r.user.json('PATCH', `/api/v1/orgs/${r.orgId}/members/${userId}`, { role: 'viewer' })).status, 204);
    const refreshed = await tokenRequest(r.url, { grant_type: 'refresh_token', refresh_token: t.refresh, client_id: t.clientId });
    assert.equal(refreshed.body.error, 'invalid_grant');
    const page = await admin.openConsent(authorizeUrl(r.url, { clientId: await registerClient(r.url), challenge: pkce().challenge }));
    assert.equal(page.status, 403);
    assert.match(page.html, /owners and admins/);
  } finally {
    await r.stop();
  }
});
