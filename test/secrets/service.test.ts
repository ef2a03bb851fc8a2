import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../src/store/open.ts';
import { createAuditWriter } from '../../src/audit/audit.writer.ts';
import { createAgentService } from '../../src/identity/agents.service.ts';
import { createSecrets, SecretsConfigSchema } from '../../src/secrets/index.ts';
import { isFlowLinkError } from '../../src/lib/errors.ts';

const USER = { type: 'user' as const, id: 'u1' };

async function setup() {
  const store = await openStore({ data: 'memory://' });
  const audit = createAuditWriter({ store });
  const agents = createAgentService({ store });
  const orgA = await agents.ensureOrg('org-a');
  const orgB = await agents.ensureOrg('org-b');
  const s = createSecrets({ store, audit, config: SecretsConfigSchema.parse({}), masterKey: randomBytes(32), env: {} });
  return { store, audit, s, orgA: orgA.id, orgB: orgB.id, async close() { await audit.close(); await store.close(); } };
}

async function dump(store: { query<T>(sql: string): Promise<T[]> }): Promise<string> {
  const tables = await store.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()");
  let out = '';
  for (const t of tables) out += JSON.stringify(await store.query(`SELECT * FROM ${t.tablename}`));
  return out;
}

test('set, list, versions, delete: values are write-only and never stored in clear', async () => {
  const t = await setup();
  try {
    const value = 'p0stgres-SUPER-secret-' + randomBytes(6).toString('hex');
    const r1 = await t.s.secrets.set(t.orgA, 'PROD_DB_PASSWORD', { value: Buffer.from(value) }, USER);
    assert.deepEqual([r1.version, r1.created], [1, true]);
    const r2 = await t.s.secrets.set(t.orgA, 'PROD_DB_PASSWORD', { value: Buffer.from(value + '2') }, USER);
    assert.deepEqual([r2.version, r2.created], [2, false]);
    await t.s.secrets.set(t.orgA, 'VAULT_ALIAS', { reference: 'vault:kv/data/prod/db#password' }, USER);
    const list = await t.s.secrets.list(t.orgA);
    assert.deepEqual(list.map((x) => [x.name, x.version, x.backend]), [['PROD_DB_PASSWORD', 2, 'builtin'], ['VAULT_ALIAS', 1, 'vault']]);
    assert.ok(!JSON.stringify(list).includes(value));
    const versions = await t.s.secrets.versions(t.orgA, 'PROD_DB_PASSWORD');
    assert.deepEqual(versions.map((v) => [v.version, v.createdBy]), [[1, 'user:u1'], [2, 'user:u1']]);
    assert.equal((await t.s.resolver.resolve(t.orgA, 'PROD_DB_PASSWORD'))?.value, value + '2');
    // Org B sees nothing of org A.
    assert.deepEqual(await t.s.secrets.list(t.orgB), []);
    assert.equal(await t.s.resolver.resolve(t.orgB, 'PROD_DB_PASSWORD'), undefined);
    await assert.rejects(t.s.secrets.versions(t.orgB, 'PROD_DB_PASSWORD'), (e: unknown) => isFlowLinkError(e) && e.code === 'not_found');
    // Too short to redact safely, bad names and bad references are refused.
    await assert.rejects(t.s.secrets.set(t.orgA, 'SHORT', { value: Buffer.from('abc') }, USER));
    await assert.rejects(t.s.secrets.set(t.orgA, '../x', { value: Buffer.from('abcdef') }, USER));
    await assert.rejects(t.s.secrets.set(t.orgA, 'X', { reference: 'env:FLOWLINK_MASTER_KEY' }, USER));
    const db = await dump(t.store);
    for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) assert.ok(!db.includes(form), 'no clear value in the database');
    await t.s.secrets.remove(t.orgA, 'PROD_DB_PASSWORD', USER);
    assert.equal(await t.s.resolver.resolve(t.orgA, 'PROD_DB_PASSWORD'), undefined);
    assert.ok((await t.s.secrets.versions(t.orgA, 'PROD_DB_PASSWORD')).every((v) => v.erased));
    const r3 = await t.s.secrets.set(t.orgA, 'PROD_DB_PASSWORD', { value: Buffer.from(value + '3') }, USER);
    assert.equal(r3.version, 3);
    const kinds = (await t.store.query<{ kind: string }>('SELECT kind FROM audit_events ORDER BY seq')).map((r) => r.kind);
    assert.ok(kinds.includes('secret.keys.setup') && kinds.includes('secret.set') && kinds.includes('secret.deleted'));
  } finally {
    await t.close();
  }
});

test('verify proves decryption without revealing anything; rotate re-wraps every data key while reads keep working', async () => {
  const t = await setup();
  try {
    await assert.rejects(t.s.keys.verify(t.orgA, USER), (e: unknown) => isFlowLinkError(e) && e.code === 'not_found');
    const k = await t.s.keys.setup(t.orgA, USER);
    await assert.rejects(t.s.keys.setup(t.orgA, USER), (e: unknown) => isFlowLinkError(e) && e.code === 'conflict');
    const v = await t.s.keys.verify(t.orgA, USER);
    assert.deepEqual(Object.keys(v).sort(), ['fingerprint', 'keyId', 'ok']);
    assert.equal(v.ok, true);
    assert.equal(v.fingerprint, k.fingerprint);
    const values = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      const val = `value-${i}-${randomBytes(8).toString('hex')}`;
      values.set(`S${i}`, val);
      await t.s.secrets.set(t.orgA, `S${i}`, { value: Buffer.from(val) }, USER);
    }
    // Reads under load during the rotation: none may fail.
    let failures = 0;
    let reads = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        for (const [n, val] of values) {
          const r = await t.s.resolver.resolve(t.orgA, n).catch(() => undefined);
          reads++;
          if (r?.value !== val) failures++;
        }
      }
    })();
    const rot = await t.s.keys.rotate(t.orgA, USER);
    stop = true;
    await load;
    assert.equal(failures, 0, `${failures} of ${reads} reads failed during rotation`);
    assert.equal(rot.rewrapped, 30);
    assert.deepEqual(rot.retired, [k.keyId]);
    const keys = await t.s.keys.list(t.orgA);
    assert.deepEqual(keys.map((x) => x.state).sort(), ['active', 'retired']);
    for (const [n, val] of values) assert.equal((await t.s.resolver.resolve(t.orgA, n))?.value, val);
    assert.equal((await t.s.keys.verify(t.orgA, USER)).ok, true);
    const sealed = await t.store.query<{ sealed_private_key: string }>('SELECT sealed_private_key FROM secret_org_keys WHERE key_id = $1', [k.keyId]);
    assert.equal(sealed[0]?.sealed_private_key, '', 'the retired private key is erased');
  } finally {
    await t.close();
  }
});

test('a different master key cannot open the org key: a clear error, not a value', async () => {
  const t = await setup();
  try {
    await t.s.secrets.set(t.orgA, 'TOKEN_A', { value: Buffer.from('abcdef-123456') }, USER);
    const other = createSecrets({ store: t.store, audit: t.audit, config: SecretsConfigSchema.parse({}), masterKey: randomBytes(32), env: {} });
    await assert.rejects(other.resolver.resolve(t.orgA, 'TOKEN_A'), (e: unknown) => isFlowLinkError(e) && e.code === 'secrets_unavailable' && /master key/.test(e.message));
    assert.equal((await other.keys.verify(t.orgA, USER)).ok, false);
  } finally {
    await t.close();
  }
});

test('uses feed the list and usage view per org; rows older than the retention are pruned', async () => {
  const { usageRepo } = await import('../../src/secrets/usage.repo.ts');
  const { USES_KEPT_DAYS } = await import('../../src/secrets/index.ts');
  const t = await setup();
  try {
    await t.s.secrets.set(t.orgA, 'USED', { value: Buffer.from('used-value-1') }, USER);
    const use = { name: 'USED', version: 1, method: 'argument' as const, call_id: 'c1', agent_id: 'a1', agent_name: 'bot', server: 'srv', tool: 't' };
    await usageRepo.record(t.store, t.orgA, [use, { ...use, call_id: 'c2' }]);
    await usageRepo.record(t.store, t.orgB, [{ ...use, call_id: 'other-org' }]);
    await t.store.query("UPDATE secret_uses SET used_at = now() - interval '100 days' WHERE call_id = 'c1'");
    assert.equal((await t.s.secrets.list(t.orgA))[0]!.useCount, 2);
    assert.deepEqual((await t.s.secrets.usage(t.orgA, 'USED')).map((u) => u.callId), ['c2', 'c1']);
    assert.equal(await usageRepo.prune(t.store, t.orgA, USES_KEPT_DAYS), 1);
    assert.deepEqual((await t.s.secrets.usage(t.orgA, 'USED')).map((u) => u.callId), ['c2']);
    await assert.rejects(t.s.secrets.usage(t.orgB, 'USED'), (e: unknown) => isFlowLinkError(e) && e.code === 'not_found', "org B has no secret USED, whatever its use rows say");
  } finally {
    await t.close();
  }
});

test('a rotation cut short leaves the old key retiring (values still readable) and the next rotate resumes it', async () => {
  const t = await setup();
  try {
    for (let i = 0; i < 5; i++) await t.s.secrets.set(t.orgA, `R${i}`, { value: Buffer.from(`resume-value-${i}`) }, USER);
    const before = (await t.s.keys.status(t.orgA)).keys[0]!;
    // A crash between "new key active" and "everything re-wrapped", simulated by a failing progress callback.
    await assert.rejects(t.s.keys.rotate(t.orgA, USER, () => { throw new Error('simulated crash'); }), /simulated crash/);
    const cut = await t.s.keys.status(t.orgA);
    assert.deepEqual([cut.rotation.inProgress, cut.rotation.remaining], [true, 5]);
    assert.equal(cut.keys.find((k) => k.keyId === before.keyId)!.state, 'retiring');
    assert.equal((await t.s.resolver.resolve(t.orgA, 'R3'))?.value, 'resume-value-3', 'the retiring key still decrypts');
    await t.s.secrets.set(t.orgA, 'R_NEW', { value: Buffer.from('written-meanwhile') }, USER);
    const resumed = await t.s.keys.rotate(t.orgA, USER);
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.previousKeyId, before.keyId);
    assert.equal(resumed.rewrapped, 5);
    assert.deepEqual(resumed.retired, [before.keyId]);
    const after = await t.s.keys.status(t.orgA);
    assert.deepEqual(after.keys.map((k) => [k.state, k.wrappedKeys]), [['retired', 0], ['active', 6]]);
    for (let i = 0; i < 5; i++) assert.equal((await t.s.resolver.resolve(t.orgA, `R${i}`))?.value, `resume-value-${i}`);
    const started = await t.store.query<{ data: { resumed: boolean } }>("SELECT data FROM audit_events WHERE kind = 'secret.keys.rotation_started' ORDER BY seq");
    assert.deepEqual(started.map((e) => e.data.resumed), [false, true]);
  } finally {
    await t.close();
  }
});
