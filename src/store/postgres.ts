import pg from 'pg';
import type { Queryable, Store } from './store.ts';

// bigint columns (sequence numbers, counts) stay far below 2^53: read them as numbers, as PGlite does.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens a pool on a PostgreSQL server (15 or newer). */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, idleTimeoutMillis: 30_000 });
  // Fail at start, with a clear message, rather than on the first call.
  const probe = await pool.connect();
  probe.release();
  pool.on('error', () => {
    /* idle client errors surface on the next query instead */
  });
  let listener: pg.Client | undefined;
  const handlers = new Map<string, Set<(p: string) => void>>();

  async function ensureListener(): Promise<pg.Client> {
    if (listener) return listener;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    c.on('notification', (n) => {
      for (const h of handlers.get(n.channel) ?? []) h(n.payload ?? '');
    });
    c.on('error', () => {
      listener = undefined;
    });
    listener = c;
    return c;
  }

  const store: Store = {
    kind: 'postgres',
    async query<T>(text: string, params?: readonly unknown[], opts?: { name?: string }) {
      const r = opts?.name ? await pool.query({ name: opts.name, text, values: params as unknown[] | undefined }) : await pool.query(text, params as unknown[] | undefined);
      return r.rows as T[];
    },
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const q: Queryable = {
          async query<T>(text: string, params?: readonly unknown[], opts?: { name?: string }) {
            const r = opts?.name ? await client.query({ name: opts.name, text, values: params as unknown[] | undefined }) : await client.query(text, params as unknown[] | undefined);
            return r.rows as T[];
          },
        };
        const out = await fn(q);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      const c = await ensureListener();
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      }
      set.add(onPayload);
      return async () => {
        set!.delete(onPayload);
      };
    },
    async notify(channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
  return store;
}
