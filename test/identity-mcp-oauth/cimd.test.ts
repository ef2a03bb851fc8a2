import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ClientMetadataHost } from '../fakes/oidc/client-metadata-host.ts';
import { boot, TestProvider, REDIRECT, authorizeUrl, pkce } from './harness.ts';

type Booted = Awaited<ReturnType<typeof boot>>;
const META = { client_name: 'CIMD IDE', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };

describe('client ID metadata documents', () => {
  let host: ClientMetadataHost;
  let r: Booted;
  let strict: Booted;
  before(async () => {
    host = await new ClientMetadataHost().start();
    const dir = mkdtempSync(join(tmpdir(), 'fl-cimd-'));
    writeFileSync(join(dir, 'ca.pem'), host.cert);
    // Tests only: the document host is on loopback, so private addresses are allowed here, with the host's CA trusted.
    r = await boot({ identity: { signup: 'open', oauthServer: { clientMetadata: { allowPrivateAddresses: true, caFile: join(dir, 'ca.pem') } } } });
    strict = await boot({ identity: { signup: 'open', oauthServer: { registration: 'closed', clientMetadata: { caFile: join(dir, 'ca.pem') } } } });
  });
  after(async () => {
    await r.stop();
    await strict.stop();
    await host.stop();
  });

  test('the SDK client uses its metadata URL as client_id (no registration) and connects', async () => {
    const clientId = host.serve('/ide/client.json', META);
    const provider = new TestProvider({}, { clientMetadataUrl: clientId });
    const url = `${r.url}/mcp`;
    const client = new Client({ name: 'cimd', version: '1' }, { capabilities: {} });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider })));
    assert.equal(provider.authorizationUrl!.searchParams.get('client_id'), clientId);
    const cb = await r.user.approve(provider.authorizationUrl!);
    await new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }).finishAuth(cb.searchParams);
    const c2 = new Client({ name: 'cimd', version: '1' }, { capabilities: {} });
    await c2.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
    assert.ok((await c2.listTools()).tools.length > 0);
    await c2.close();
    const grant = (await r.fl.store.query<{ client_id: string }>('SELECT client_id FROM oauth_grants WHERE client_id = $1', [clientId]))[0];
    assert.ok(grant, 'the grant is keyed by the URL client_id');
    assert.equal((await r.fl.store.query("SELECT 1 FROM oauth_clients WHERE client_id = $1", [clientId])).length, 0, 'nothing was registered');
    assert.equal(host.fetches.get('/ide/client.json'), 1, 'the document is fetched once and cached');
  });

  test('documents that do not fit are refused on a page, never redirected to', async () => {
    const bad: [string, () => string, RegExp][] = [
      ['wrong client_id', () => (host.docs.set('/a.json', { body: JSON.stringify({ ...META, client_id: 'https://else.example/a.json' }) }), host.url('/a.json')), /client_id does not equal/],
      ['secret', () => host.serve('/b.json', { ...META, token_endpoint_auth_method: 'client_secret_basic' }), /only public clients/],
      ['too large', () => host.serve('/c.json', { ...META, padding: 'x'.repeat(10_000) }), /larger than 5120 bytes/],
      ['not json', () => (host.docs.set('/d.json', { body: '<html>', type: 'text/html' }), host.url('/d.json')), /not application\/json/],
      ['missing', () => host.url('/nothing.json'), /HTTP 404/],
      ['unsafe redirect', () => host.serve('/e.json', { ...META, redirect_uris: ['http://evil.example/cb'] }), /http with a host other than loopback/],
      ['not https', () => 'http://localhost/x.json', /unknown client_id|must be https/],
    ];
    for (const [what, make, msg] of bad) {
      const page = await r.user.openConsent(authorizeUrl(r.url, { clientId: make(), challenge: pkce().challenge }));
      assert.equal(page.status, 400, what);
      assert.equal(page.location, undefined, what);
      assert.match(page.html, msg, what);
    }
    // A redirect_uri the document does not list.
    const ok = host.serve('/f.json', META);
    const page = await r.user.openConsent(authorizeUrl(r.url, { clientId: ok, challenge: pkce().challenge, redirect: 'http://127.0.0.1:1/elsewhere' }));
    assert.equal(page.status, 400);
    assert.match(page.html, /redirect_uri/);
  });

  test('the SSRF guard refuses documents on loopback and private addresses unless allowed', async () => {
    for (const clientId of [host.serve('/g.json', META), host.serve('/h.json', META, '127.0.0.1')]) {
      const page = await strict.user.openConsent(authorizeUrl(strict.url, { clientId, challenge: pkce().challenge }));
      assert.equal(page.status, 400);
      assert.match(page.html, /private or loopback address/);
    }
    assert.equal(host.fetches.get('/g.json'), undefined, 'nothing reached the host');
    // With registration closed, the metadata says so and /oauth/register refuses.
    const as = (await (await fetch(`${strict.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    assert.equal(as.registration_endpoint, undefined);
    assert.equal(as.client_id_metadata_document_supported, true);
    const reg = await fetch(`${strict.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT] }) });
    assert.equal(reg.status, 403);
  });
});
