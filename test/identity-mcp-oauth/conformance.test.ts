import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, registerClient } from './harness.ts';
import { runAuthorizationSuite, freePort } from './conformance-as.ts';

// The conformance suite's authorization-server scenarios (its auth/* scenarios test clients;
// these two test servers): metadata endpoint (with CIMD support) and the authorization code
// grant with PKCE, driven through FlowLink's consent page. Fails (never skips) without the suite.
test('MCP conformance: authorization server scenarios pass against FlowLink', async () => {
  const r = await boot();
  try {
    const port = await freePort();
    const clientId = await registerClient(r.url, 'conformance suite', `http://127.0.0.1:${port}/callback`);
    const run = await runAuthorizationSuite({ issuer: r.url, clientId, port, resource: `${r.url}/mcp`, user: r.user });
    const got = Object.fromEntries(run.checks.map((c) => [`${c.scenario}/${c.id}`, c.status]));
    assert.deepEqual(
      got,
      {
        'authorization-server-metadata-endpoint/authorization-server-metadata': 'SUCCESS',
        'authorization-server-metadata-endpoint/authorization-server-metadata-cimd': 'SUCCESS',
        'authorization-code-grant/authorization-code-grant': 'SUCCESS',
      },
      `suite output:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-1000)}`,
    );
    assert.equal(run.code, 0);
    // The suite's client was really authorized through the consent page: a grant exists for it.
    assert.equal((await r.fl.store.query('SELECT 1 FROM oauth_grants WHERE client_id = $1', [clientId])).length, 1);
  } finally {
    await r.stop();
  }
});
