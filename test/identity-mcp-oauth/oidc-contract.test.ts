import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { FakeOidcIssuer } from '../fakes/oidc/issuer.ts';

// Contract of the fake OIDC issuer: what FlowLink relies on from a real one (OpenID
// Connect Discovery 1.0 and RFC 7517 key sets), checked with the same client code.
test('the fake issuer serves discovery and a key set that verify its tokens, and rotates keys', async () => {
  const idp = await new FakeOidcIssuer().start();
  try {
    const disco = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(disco.issuer, idp.issuer);
    assert.equal(typeof disco.jwks_uri, 'string');
    const jwks = (await (await fetch(String(disco.jwks_uri))).json()) as { keys: Record<string, unknown>[] };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.kty, 'RSA');
    assert.equal(typeof jwks.keys[0]!.kid, 'string');
    assert.equal(jwks.keys[0]!.d, undefined, 'no private parts are published');
    const set = createRemoteJWKSet(new URL(String(disco.jwks_uri)), { cooldownDuration: 0 });
    const t1 = await idp.token({ scope: 'mcp' }, { audience: 'aud-1' });
    const v = await jwtVerify(t1, set, { issuer: idp.issuer, audience: 'aud-1' });
    assert.equal(v.payload.scope, 'mcp');
    await idp.rotate();
    const t2 = await idp.token({}, { audience: 'aud-1' });
    assert.equal((await jwtVerify(t2, set, { issuer: idp.issuer, audience: 'aud-1' })).payload.sub, 'user-1');
    await assert.rejects(jwtVerify(t1, set, { issuer: idp.issuer, audience: 'aud-1' }), 'the retired key no longer verifies');
  } finally {
    await idp.stop();
  }
});
