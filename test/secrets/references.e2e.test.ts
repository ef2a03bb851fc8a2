import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSecretsRig, assertNoLeak } from './harness.ts';
import { startFakeVault } from '../fakes/vault.ts';
import { connectClient } from '../helpers/client.ts';

// External references registered through the API: Vault KV v2 (the fake, through the real
// client code), files under secrets.fileRoots; resolvability checked without the value;
// and used by an agent through a placeholder on its stored name.
test('vault and file references: registered, checked (sealed, missing field, outside the roots), injected by name', async () => {
  const vault = await startFakeVault();
  const root = mkdtempSync(join(tmpdir(), 'fl-refs-'));
  const outside = mkdtempSync(join(tmpdir(), 'fl-refs-out-'));
  const VAULT_VALUE = `vault-pw-${randomBytes(10).toString('hex')}`;
  const FILE_VALUE = `file-token-${randomBytes(10).toString('hex')}`;
  vault.put('kv/data/prod/db', { password: VAULT_VALUE });
  writeFileSync(join(root, 'token'), FILE_VALUE + '\n', { mode: 0o600 });
  writeFileSync(join(outside, 'token'), 'outside-the-roots\n', { mode: 0o600 });
  process.env.FL_TEST_VAULT_TOKEN = vault.rootToken;
  const rig = await startSecretsRig({
    secrets: { vault: { address: vault.url, auth: { method: 'token', tokenEnv: 'FL_TEST_VAULT_TOKEN' }, cacheTtl: 0 }, fileRoots: [root], grants: [{ secret: 'REF_*', agents: ['ref-bot'], servers: ['echo'] }] },
  });
  try {
    const { browser: owner, orgs } = await rig.signUp();
    const api = (rest: string) => `/api/v1/orgs/${orgs[0]!.id}/secrets${rest}`;
    const put = async (name: string, reference: string) => (await owner.req('PUT', api(`/${name}`), { reference })).status;
    const check = async (name: string) => (await owner.req('POST', api(`/${name}/check`))).body as { resolvable: boolean; reason: string | null; backend: string };
    assert.equal(await put('REF_DB', 'vault:kv/data/prod/db#password'), 201);
    assert.equal(await put('REF_NOFIELD', 'vault:kv/data/prod/db#nope'), 201);
    assert.equal(await put('REF_FILE', `file:${join(root, 'token')}`), 201);
    assert.equal(await put('REF_OUTSIDE', `file:${join(outside, 'token')}`), 201);

    const ok = await check('REF_DB');
    assert.deepEqual([ok.resolvable, ok.backend], [true, 'vault']);
    assert.equal((await check('REF_FILE')).resolvable, true);
    const nofield = await check('REF_NOFIELD');
    assert.equal(nofield.resolvable, false);
    assert.match(nofield.reason!, /no value at that reference/);
    assert.equal((await check('REF_OUTSIDE')).resolvable, false, 'files outside secrets.fileRoots are not read');
    vault.sealed = true;
    const sealed = await check('REF_DB');
    assert.equal(sealed.resolvable, false);
    assert.match(sealed.reason!, /sealed/);
    vault.sealed = false;

    // The agent names the stored name; the value comes from Vault or the file at call time.
    const token = (await rig.fl.agents.create(orgs[0]!.id, 'ref-bot')).token;
    const c = await connectClient(`${rig.url}/mcp/echo`, token);
    let res: unknown;
    try {
      res = await c.client.callTool({ name: 'echo', arguments: { db: '{{secret:REF_DB}}', tok: '{{secret:REF_FILE}}' } });
      const args = (res as { structuredContent: { args: Record<string, string> } }).structuredContent.args;
      assert.deepEqual(args, { db: '[secret:REF_DB]', tok: '[secret:REF_FILE]' });
      const direct = await c.client.callTool({ name: 'echo', arguments: { x: '{{secret:vault:kv/data/prod/db#password}}' } }).then((r) => JSON.stringify(r), (e: Error) => e.message);
      assert.match(direct, /not available/, 'agents may not name a backend reference directly');
    } finally {
      await c.close();
    }
    const everything = JSON.stringify(res) + JSON.stringify(await owner.req('GET', api(''))) + rig.logs() + (await rig.dump());
    assertNoLeak(everything, VAULT_VALUE, 'answers, logs or the database');
    assertNoLeak(everything, FILE_VALUE, 'answers, logs or the database');
    const checked = await rig.store.query<{ data: { name: string; resolvable: boolean } }>("SELECT data FROM audit_events WHERE kind = 'secret.checked'");
    assert.deepEqual(checked.map((e) => [e.data.name, e.data.resolvable]), [['REF_DB', true], ['REF_FILE', true], ['REF_NOFIELD', false], ['REF_OUTSIDE', false], ['REF_DB', false]]);
  } finally {
    await rig.close();
    await vault.close();
    delete process.env.FL_TEST_VAULT_TOKEN;
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});
