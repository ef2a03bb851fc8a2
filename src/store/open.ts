import type { Store } from './store.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { migrate } from './migrate.ts';

export interface StoreOptions {
  /** postgres:// URL; when set, PostgreSQL is used. */
  url?: string | undefined;
  /** Embedded data folder, or 'memory://'. */
  data: string;
}

/** Opens the configured store and brings its schema up to date. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const store = opts.url ? await openPostgres(opts.url) : await openPglite(opts.data);
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
