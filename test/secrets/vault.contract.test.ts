import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVaultBackend } from '../../src/secrets/backends/vault.ts';
import { isFlowLinkError } from '../../src/lib/errors.ts';
import { startFakeVault } from '../fakes/vault.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Vault backend's contract, run against the fake (test/fakes/vault.ts). Point
 * FLOWLINK_TEST_VAULT_ADDR/TOKEN at a dev Vault to run the token cases against a real one.
 */
const ref = (path: string, field: string) => ({ backend: 'vault' as const, path, field });

async function rejects(p: Promise<unknown>, re: RegExp) {
  await assert.rejects(p, (err: unknown) => isFlowLinkError(err) && err.code === 'secrets_unavailable' && re.test(err.message));
}

test('token auth: reads a KV v2 field; a missing path or field is undefined', async () => {
  const v = await startFakeVault();
  try {
    v.put('kv/data/prod/db', { password: 'pg-Pa55word-from-vault', user: 'app' });
    const b = createVaultBackend({ address: v.url, auth: { method: 'token', token: v.rootToken } });
    assert.equal(await b.read(ref('kv/data/prod/db', 'password')), 'pg-Pa55word-from-vault');
    assert.equal(await b.read(ref('kv/data/prod/db', 'nope')), undefined);
    assert.equal(await b.read(ref('kv/data/prod/none', 'password')), undefined);
  } finally {
    await v.close();
  }
});

test('AppRole auth logs in once, re-logs in when the token is refused, and sends the namespace', async () => {
  const v = await startFakeVault({ namespace: 'team-a' });
  try {
    v.put('kv/data/app', { key: 'approle-value-123' });
    const b = createVaultBackend({ address: v.url, namespace: 'team-a', auth: { method: 'approle', roleId: v.roleId, secretId: v.secretId }, cacheTtlMs: 0 });
    assert.equal(await b.read(ref('kv/data/app', 'key')), 'approle-value-123');
    assert.equal(await b.read(ref('kv/data/app', 'key')), 'approle-value-123');
    assert.equal(v.logins, 1);
    v.revokeIssued();
    assert.equal(await b.read(ref('kv/data/app', 'key')), 'approle-value-123');
    assert.equal(v.logins, 2);
    assert.ok(v.requests.every((r) => r.namespace === 'team-a'));
    const wrong = createVaultBackend({ address: v.url, namespace: 'team-a', auth: { method: 'approle', roleId: v.roleId, secretId: 'wrong-secret-id' } });
    await rejects(wrong.read(ref('kv/data/app', 'key')), /AppRole login failed/);
  } finally {
    await v.close();
  }
});

test('a short cache serves repeated reads until its TTL passes', async () => {
  const v = await startFakeVault();
  let now = 1_000;
  try {
    v.put('kv/data/c', { f: 'cached-value-1' });
    const b = createVaultBackend({ address: v.url, auth: { method: 'token', token: v.rootToken }, cacheTtlMs: 10_000, clock: () => now });
    assert.equal(await b.read(ref('kv/data/c', 'f')), 'cached-value-1');
    v.put('kv/data/c', { f: 'cached-value-2' });
    assert.equal(await b.read(ref('kv/data/c', 'f')), 'cached-value-1');
    now += 10_001;
    assert.equal(await b.read(ref('kv/data/c', 'f')), 'cached-value-2');
  } finally {
    await v.close();
  }
});

test('sealed, refused and unreachable Vaults give clear errors without the token', async () => {
  const v = await startFakeVault();
  v.put('kv/data/x', { f: 'sealed-value-1' });
  const b = createVaultBackend({ address: v.url, auth: { method: 'token', token: v.rootToken }, cacheTtlMs: 0 });
  v.sealed = true;
  await rejects(b.read(ref('kv/data/x', 'f')), /sealed/);
  v.sealed = false;
  const refused = createVaultBackend({ address: v.url, auth: { method: 'token', token: 'hvs.bad' } });
  await assert.rejects(refused.read(ref('kv/data/x', 'f')), (err: Error) => /403/.test(err.message) && !err.message.includes('hvs.bad'));
  await v.close();
  await rejects(b.read(ref('kv/data/x', 'f')), /unreachable/);
  // A Vault that accepts the connection and never answers.
  const silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const slow = createVaultBackend({ address: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, auth: { method: 'token', token: 't' }, timeoutMs: 200 });
  await rejects(slow.read(ref('kv/data/x', 'f')), /unreachable \(no answer within 200 ms\)/);
  silent.closeAllConnections();
  silent.close();
});
