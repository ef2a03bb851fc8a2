import type { Queryable } from '../store/store.ts';

export interface UseRow {
  name: string;
  version: number | null;
  method: 'argument' | 'file' | 'env' | 'header';
  call_id: string | null;
  agent_id: string | null;
  agent_name: string | null;
  server: string;
  tool: string | null;
  used_at: Date;
}

/** Uses of secrets (secret_uses): names, ids and places only. Every statement carries the org id. */
export const usageRepo = {
  async record(q: Queryable, orgId: string, rows: Omit<UseRow, 'used_at'>[]): Promise<void> {
    if (!rows.length) return;
    const params: unknown[] = [orgId];
    const tuples = rows.map((r) => {
      const base = params.length;
      params.push(r.name, r.version, r.method, r.call_id, r.agent_id, r.agent_name, r.server, r.tool);
      return `($1, ${Array.from({ length: 8 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
    });
    await q.query(`INSERT INTO secret_uses (org_id, name, version, method, call_id, agent_id, agent_name, server, tool) VALUES ${tuples.join(', ')}`, params);
  },
  async recent(q: Queryable, orgId: string, name: string, limit: number): Promise<UseRow[]> {
    return q.query<UseRow>('SELECT name, version, method, call_id, agent_id, agent_name, server, tool, used_at FROM secret_uses WHERE org_id = $1 AND name = $2 ORDER BY used_at DESC LIMIT $3', [orgId, name, limit]);
  },
  /** Drops an org's uses older than `days` (the audit log keeps every use; this table feeds the views). */
  async prune(q: Queryable, orgId: string, days: number): Promise<number> {
    return (await q.query<{ n: number }>('WITH d AS (DELETE FROM secret_uses WHERE org_id = $1 AND used_at < now() - make_interval(days => $2::int) RETURNING 1) SELECT count(*)::int AS n FROM d', [orgId, days]))[0]?.n ?? 0;
  },
  async stats(q: Queryable, orgId: string): Promise<Map<string, { count: number; last: Date }>> {
    const rows = await q.query<{ name: string; n: number; last: Date }>('SELECT name, count(*)::int AS n, max(used_at) AS last FROM secret_uses WHERE org_id = $1 GROUP BY name', [orgId]);
    return new Map(rows.map((r) => [r.name, { count: r.n, last: new Date(r.last) }]));
  },
};
