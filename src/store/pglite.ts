import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Queryable, Store } from './store.ts';
import { acquireLock } from './lockfile.ts';

/**
 * Memory settings for the embedded store. PGlite's defaults (128 MB shared buffers and a
 * large WASM heap) put an idle FlowLink near 0.5 GB; a gateway's working set is small.
 */
const EMBEDDED_CONF = ['shared_buffers = 16MB', 'work_mem = 4MB', 'maintenance_work_mem = 16MB', 'temp_buffers = 2MB'];

function wrapTx(tx: Transaction): Queryable {
  return {
    async query<T>(text: string, params?: readonly unknown[]) {
      const r = await tx.query<T>(text, params as unknown[] | undefined);
      return r.rows;
    },
  };
}

/** Opens (creating if needed) the embedded store in `dataDir`, or in memory when dataDir is 'memory://'. */
export async function openPglite(dataDir: string): Promise<Store> {
  let release: (() => void) | undefined;
  let dir: string | undefined;
  if (dataDir !== 'memory://') {
    const root = resolve(dataDir);
    mkdirSync(root, { recursive: true });
    release = acquireLock(resolve(root, 'flowlink.lock'));
    dir = resolve(root, 'pgdata');
  }
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir: dir, postgresqlconf: EMBEDDED_CONF });
  } catch (err) {
    release?.();
    throw err;
  }
  return {
    kind: 'pglite',
    async query<T>(text: string, params?: readonly unknown[]) {
      const r = await db.query<T>(text, params as unknown[] | undefined);
      return r.rows;
    },
    tx: (fn) => db.transaction((tx) => fn(wrapTx(tx))),
    async listen(channel, onPayload) {
      const unsub = await db.listen(channel, onPayload);
      return () => unsub();
    },
    async notify(channel, payload) {
      await db.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      try {
        await db.close();
      } finally {
        release?.();
      }
    },
  };
}
