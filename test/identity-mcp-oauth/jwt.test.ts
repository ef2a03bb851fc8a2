import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FakeOidcIssuer } from '../fakes/oidc/issuer.ts';
import { startFlowLink, servers, type Running } from '../helpers/flowlink.ts';
import { mcpPost, INIT, SHIELD } from './harness.ts';

const AUD = 'https://flowlink.test/mcp';

describe('an external OIDC issuer\'s JWT access tokens', () => {
  let idp: FakeOidcIssuer;
  let r: Running;
  before(async () => {
    idp = await new FakeOidcIssuer().start();
    // No jwksUrl: the key set is found through the issuer's discovery document.
    r = await startFlowLink({ servers: { everything: servers.everything, memory: servers.memory }, shield: SHIELD, identity: { mcpAuth: { issuer: idp.issuer, audience: AUD, orgClaim: 'org', jwksCooldown: 0 } } });
  });
  after(async () => {
    await r.stop();
    await idp.stop();
  });

  test('protected resource metadata names the external issuer', async () => {
    const prm = (await (await fetch(`${r.url}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
    assert.deepEqual(prm.authorization_servers, [idp.issuer]);
  });

  test('a valid token connects the SDK client as an agent of the org named by the claim', async () => {
    const token = await idp.token({ org: r.orgId, scope: 'openid mcp' }, { audience: AUD, sub: 'alice' });
    const client = new Client({ name: 'jwt', version: '1' }, { capabilities: {} });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${r.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const res = await client.callTool({ name: 'everything__echo', arguments: { message: 'jwt' } });
    assert.match(JSON.stringify(res.content), /Echo: jwt/);
    await client.close();
    const agent = (await r.fl.store.query<{ name: string; labels: Record<string, string> }>("SELECT a.name, a.labels FROM audit_events e JOIN agents a ON a.id = e.actor_id WHERE e.kind = 'call.completed' ORDER BY e.seq DESC LIMIT 1"))[0]!;
    assert.match(agent.name, /^oidc-[0-9a-f]{16}$/);
    assert.equal(agent.labels.sub, 'alice');
    // The org may also be named by its name.
    const byName = await idp.token({ org: 'default', scope: 'mcp' }, { audience: AUD, sub: 'alice' });
    assert.equal((await mcpPost(`${r.url}/mcp`, byName, INIT)).status, 200);
  });

  test('expired, wrong audience, wrong issuer, unknown org and bad signature are refused with 401', async () => {
    const cases: [string, string, RegExp][] = [
      ['expired', await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: AUD, expiresIn: -120 }), /expired/],
      ['audience', await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: 'https://other.example/mcp' }), /claim "aud"/],
      ['no audience', await idp.token({ org: r.orgId, scope: 'mcp' }), /claim "aud"/],
      ['issuer', await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: AUD, issuer: 'https://evil.example' }), /claim "iss"/],
      ['org', await idp.token({ org: 'no-such-org', scope: 'mcp' }, { audience: AUD }), /names no FlowLink organization/],
      ['not yet valid', await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: AUD, notBefore: 600 }), /claim "nbf"/],
    ];
    // Within the allowed skew (30 s) an expired token still passes.
    assert.equal((await mcpPost(`${r.url}/mcp`, await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: AUD, expiresIn: -5 }), INIT)).status, 200);
    const good = await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: AUD });
    const [h, p, s] = good.split('.');
    cases.push(['signature', `${h}.${p}.${s!.slice(0, -4)}AAAA`, /signature/]);
    for (const [what, token, msg] of cases) {
      const res = await mcpPost(`${r.url}/mcp`, token, INIT);
      assert.equal(res.status, 401, what);
      assert.match(res.body.error.message, msg, what);
      assert.match(res.headers.get('www-authenticate')!, /error="invalid_token"/, what);
    }
  });

  test('revoking the subject\'s agent locks the subject out, even with a cached token', async () => {
    const token = await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: AUD, sub: 'mallory' });
    assert.equal((await mcpPost(`${r.url}/mcp`, token, INIT)).status, 200);
    const agent = (await r.fl.agents.list(r.orgId)).find((a) => a.labels.sub === 'mallory')!;
    await r.fl.agents.revokeById(r.orgId, agent.id);
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      status = (await mcpPost(`${r.url}/mcp`, token, INIT)).status;
      if (status === 200) await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(status, 401);
  });

  test('scopes from the token limit servers (403 insufficient_scope)', async () => {
    const token = await idp.token({ org: r.orgId, scope: 'mcp:memory' }, { audience: AUD });
    assert.equal((await mcpPost(`${r.url}/mcp/memory`, token, INIT)).status, 200);
    const res = await mcpPost(`${r.url}/mcp/everything`, token, INIT);
    assert.equal(res.status, 403);
    assert.match(res.headers.get('www-authenticate')!, /insufficient_scope.*scope="mcp:everything"/);
  });

  test('key rotation: a token signed with the new key is accepted after a refetch; the retired key is refused', async () => {
    const old = await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: AUD, sub: 'rot-old' });
    // Signed with the old key now, presented only after the rotation (never cached as verified).
    const unusedOld = await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: AUD, sub: 'rot-old-unused' });
    assert.equal((await mcpPost(`${r.url}/mcp`, old, INIT)).status, 200);
    const before = idp.jwksFetches;
    await idp.rotate();
    const fresh = await idp.token({ org: r.orgId, scope: 'mcp' }, { audience: AUD, sub: 'rot-new' });
    assert.equal((await mcpPost(`${r.url}/mcp`, fresh, INIT)).status, 200);
    assert.ok(idp.jwksFetches > before, 'the unknown key id made FlowLink fetch the key set again');
    const refused = await mcpPost(`${r.url}/mcp`, unusedOld, INIT);
    assert.equal(refused.status, 401);
    assert.match(refused.body.error.message, /no key of the issuer matches/);
  });
});
