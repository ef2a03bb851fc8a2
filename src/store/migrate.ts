import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sha256Hex } from '../lib/secure-compare.ts';
import type { Store } from './store.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Arbitrary constant: serializes migrations across FlowLink instances sharing one database. */
const MIGRATION_LOCK = 7_420_001;

export interface Migration {
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

/**
 * Applies pending migrations in name order, each in its own transaction. A migration
 * that was applied and then edited is refused: migrations are append-only.
 */
export async function migrate(store: Store, migrations = listMigrations()): Promise<string[]> {
  await store.query(`CREATE TABLE IF NOT EXISTS flowlink_migrations (
    name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: string[] = [];
  await store.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const rows = await q.query<{ name: string; checksum: string }>('SELECT name, checksum FROM flowlink_migrations');
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    for (const m of migrations) {
      const sum = sha256Hex(m.sql);
      const prev = done.get(m.name);
      if (prev !== undefined) {
        if (prev !== sum) throw new Error(`migration ${m.name} was changed after it was applied; add a new migration instead`);
        continue;
      }
      for (const stmt of splitStatements(m.sql)) await q.query(stmt);
      await q.query('INSERT INTO flowlink_migrations (name, checksum) VALUES ($1, $2)', [m.name, sum]);
      applied.push(m.name);
    }
  });
  return applied;
}

/** Splits a migration on semicolons at line ends (our migrations keep one statement per `;` line end, no functions with bodies). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
