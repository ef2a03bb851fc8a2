import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.ts';
import { listMigrations, migrate } from '../../src/store/migrate.ts';
import { createAgentService } from '../../src/identity/agents.service.ts';
import { createAuditWriter } from '../../src/audit/audit.writer.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';
import { chainHash, GENESIS_HASH } from '../../src/audit/chain.ts';
import { PG_URL } from '../helpers/flowlink.ts';
import type { Store } from '../../src/store/store.ts';

// The same tests run on the embedded store and on PostgreSQL: one schema, one SQL.
const backends: [string, () => Promise<Store>][] = [
  ['pglite', () => openStore({ data: 'memory://' })],
  ['postgres', async () => {
    // A private schema per run keeps parallel runs and old data out of the way.
    const schema = `t_${process.pid}_${Date.now()}`;
    const admin = await openStore({ url: PG_URL, data: '' }).catch((err) => {
      throw new Error(`PostgreSQL is required for this test at ${PG_URL}: ${(err as Error).message}`);
    });
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.close();
    const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    return openStore({ url, data: '' });
  }],
];

for (const [name, open] of backends) {
  test(`${name}: migrations apply once and are recorded`, async () => {
    const store = await open();
    try {
      const applied = await migrate(store);
      assert.deepEqual(applied, [], 'second run applies nothing');
      const rows = await store.query<{ name: string }>('SELECT name FROM flowlink_migrations ORDER BY name');
      assert.deepEqual(rows.map((r) => r.name), listMigrations().map((m) => m.name));
    } finally {
      await store.close();
    }
  });

  test(`${name}: an edited migration is refused`, async () => {
    const store = await open();
    try {
      const edited = listMigrations().map((m, i) => (i === 0 ? { ...m, sql: m.sql + '\n-- edited' } : m));
      await assert.rejects(migrate(store, edited), /was changed after it was applied/);
    } finally {
      await store.close();
    }
  });

  test(`${name}: agents, tokens and revocation`, async () => {
    const store = await open();
    try {
      const agents = createAgentService({ store });
      const org = await agents.ensureOrg('acme');
      const { agent, token } = await agents.create(org.id, 'ci-bot');
      assert.match(token, /^fl_agent_[A-Za-z0-9_-]{43}$/);
      const stored = await store.query<{ token_hash: string }>('SELECT token_hash FROM agent_tokens WHERE agent_id = $1', [agent.id]);
      assert.notEqual(stored[0]!.token_hash, token, 'token stored only as a hash');
      assert.equal((await agents.authenticate(token))?.agentName, 'ci-bot');
      assert.equal(await agents.authenticate(token + 'x'), undefined);
      await assert.rejects(agents.create(org.id, 'ci-bot'), /already exists/);
      await assert.rejects(agents.create(org.id, 'bad name!'), /not valid/);
      await agents.revoke(org.id, 'ci-bot');
      assert.equal(await agents.authenticate(token), undefined, 'revoked at once');
    } finally {
      await store.close();
    }
  });

  test(`${name}: audit events form a hash chain per org, written concurrently`, async () => {
    const store = await open();
    try {
      const org = await createAgentService({ store }).ensureOrg('chain-org');
      const writer = createAuditWriter({ store });
      const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => writer.append({ orgId: org.id, kind: 'gateway.started', actor: { type: 'system', id: null }, outcome: 'success', data: { address: `http://127.0.0.1:${i}`, pid: i, servers: [], store: 'pglite' } })));
      assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
      const events = await auditRepo.events(store, org.id, 1, 100);
      let prev = GENESIS_HASH;
      for (const e of events) {
        assert.equal(e.prev_hash, prev);
        const { prev_hash: _p, hash, ...fields } = e;
        assert.equal(chainHash(prev, { ...fields, ts: new Date(e.ts).toISOString() }), hash, `event ${e.seq} hash verifies`);
        prev = hash;
      }
      await writer.close();
    } finally {
      await store.close();
    }
  });
}

test('pglite: a second process cannot open the same data folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-lock-'));
  try {
    const first = await openStore({ data: dir });
    await assert.rejects(openStore({ data: dir }), /already open in this process|in use by another FlowLink process/);
    await first.close();
    const again = await openStore({ data: dir });
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
