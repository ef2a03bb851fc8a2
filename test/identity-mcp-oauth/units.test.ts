import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isPrivateAddress } from '../../src/identity/oauth-server/ssrf.ts';
import { verifyS256, isValidChallenge } from '../../src/identity/oauth-server/pkce.ts';
import { parseScopeParam, toAgentScopes, isSubset } from '../../src/identity/oauth-server/oauth-scopes.ts';
import { redirectUriProblem } from '../../src/identity/oauth-server/clients.service.ts';
import { bearerChallenge } from '../../src/identity/mcp-auth.ts';
import { pickLang, esc } from '../../src/identity/oauth-server/consent.page.ts';
import { scopeAllows, serverAllowed } from '../../src/identity/scopes.ts';

test('private, loopback, link-local and mapped addresses are private; public ones are not', () => {
  for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '224.0.0.1', 'not-an-ip']) assert.equal(isPrivateAddress(a), true, a);
  for (const a of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPrivateAddress(a), false, a);
});

test('PKCE S256: the right verifier matches, anything else does not', () => {
  const verifier = 'a'.repeat(43);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  assert.equal(isValidChallenge(challenge), true);
  assert.equal(verifyS256(verifier, challenge), true);
  assert.equal(verifyS256('b'.repeat(43), challenge), false);
  assert.equal(verifyS256('short', challenge), false, 'verifiers under 43 characters are invalid');
  assert.equal(isValidChallenge('plain-value'), false);
});

test('scopes: vocabulary, mapping to agent scopes and subsets', () => {
  assert.deepEqual(parseScopeParam('mcp mcp:memory mcp:everything/echo mcp'), { ok: true, scopes: ['mcp', 'mcp:memory', 'mcp:everything/echo'] });
  for (const bad of ['openid', 'mcp:*', 'mcp:a b'.replace(' ', '\t'), 'mcp:srv/t*']) assert.equal(parseScopeParam(bad).ok, false, bad);
  const s = toAgentScopes(['mcp:memory', 'mcp:everything/echo']);
  assert.equal(scopeAllows(s, 'memory', 'read_graph'), true);
  assert.equal(scopeAllows(s, 'everything', 'echo'), true);
  assert.equal(scopeAllows(s, 'everything', 'add'), false);
  assert.equal(serverAllowed(s, 'everything'), true);
  assert.equal(serverAllowed(toAgentScopes(['mcp:memory']), 'everything'), false);
  assert.equal(serverAllowed(toAgentScopes([]), 'memory'), false, 'no scopes: nothing');
  assert.equal(isSubset(['mcp:memory/x'], ['mcp:memory']), true);
  assert.equal(isSubset(['mcp'], ['mcp:memory']), false);
});

test('redirect URIs: https, loopback http and private schemes; never fragments or script schemes', () => {
  for (const ok of ['https://app.example/cb', 'http://127.0.0.1:9/cb', 'http://localhost/cb', 'cursor://anysphere.cursor-retrieval/oauth/callback']) assert.equal(redirectUriProblem(ok), undefined, ok);
  for (const bad of ['http://app.example/cb', 'javascript:alert(1)', 'data:text/html,x', 'https://a.example/cb#x', 'relative/cb', 42]) assert.ok(redirectUriProblem(bad), String(bad));
});

test('challenges and pages: quoting and language', () => {
  const h = bearerChallenge({ resourceMetadata: 'http://x/.well-known/oauth-protected-resource/mcp', scope: 'mcp', error: 'insufficient_scope', description: 'say "hi"\r\n' });
  assert.equal(h, 'Bearer realm="flowlink", error="insufficient_scope", error_description="say hi", resource_metadata="http://x/.well-known/oauth-protected-resource/mcp", scope="mcp"');
  assert.equal(pickLang('ru-RU,ru;q=0.9,en;q=0.8'), 'ru');
  assert.equal(pickLang('en-US,ru;q=0.5'), 'en');
  assert.equal(pickLang(undefined), 'en');
  assert.equal(esc(`<a href="x">'&`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
});

test('redirect origins for the consent page: web origins and private-use schemes', async () => {
  const { redirectOrigin } = await import('../../src/identity/oauth-server/consent.page.ts');
  assert.equal(redirectOrigin('http://127.0.0.1:9/cb?x=1'), 'http://127.0.0.1:9');
  assert.equal(redirectOrigin('cursor://anysphere.cursor-retrieval/oauth/callback'), 'cursor://anysphere.cursor-retrieval');
});
