import type { Queryable } from '../store/store.ts';
import type { SignedTruncation } from './truncation.ts';

export type PurgeState = 'pending' | 'executed' | 'rejected' | 'expired';

export interface PurgeRequest {
  id: string;
  org_id: string;
  state: PurgeState;
  below_seq: number;
  cutoff: string;
  retention_days: number;
  events: number;
  calls: number;
  requested_by: string;
  requested_by_name: string;
  requested_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  reason: string | null;
  purged_events: number | null;
  purged_calls: number | null;
  exported_at: string | null;
  exported_by_name: string | null;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
function toRequest(r: Record<string, unknown>): PurgeRequest {
  return {
    ...(r as unknown as PurgeRequest),
    below_seq: Number(r.below_seq),
    events: Number(r.events),
    calls: Number(r.calls),
    cutoff: iso(r.cutoff)!,
    requested_at: iso(r.requested_at)!,
    expires_at: iso(r.expires_at)!,
    decided_at: iso(r.decided_at),
    exported_at: iso(r.exported_at),
    exported_by_name: (r.exported_by_name as string | null | undefined) ?? null,
    purged_events: r.purged_events === null ? null : Number(r.purged_events),
    purged_calls: r.purged_calls === null ? null : Number(r.purged_calls),
  };
}

/** The retention tables (audit_retention, audit_purge_requests, audit_truncations). Every statement is scoped by org. */
export const retentionRepo = {
  async get(q: Queryable, orgId: string): Promise<{ days: number; updated_at: string; updated_by: string } | undefined> {
    const r = (await q.query<{ days: number; updated_at: Date; updated_by: string }>('SELECT days, updated_at, updated_by FROM audit_retention WHERE org_id = $1', [orgId]))[0];
    return r && { days: r.days, updated_at: iso(r.updated_at)!, updated_by: r.updated_by };
  },
  async set(q: Queryable, orgId: string, days: number, by: string): Promise<void> {
    await q.query('INSERT INTO audit_retention (org_id, days, updated_by) VALUES ($1, $2, $3) ON CONFLICT (org_id) DO UPDATE SET days = $2, updated_by = $3, updated_at = now()', [orgId, days, by]);
  },
  /** What a purge with this cutoff would delete: records older than it, never the newest record. */
  async plan(q: Queryable, orgId: string, cutoff: Date): Promise<{ below_seq: number; events: number; calls: number; anchor_hash: string | null }> {
    const base = Number((await q.query<{ s: number | null }>('SELECT min(seq) AS s FROM audit_events WHERE org_id = $1', [orgId]))[0]?.s ?? 1);
    const r = (await q.query<{ first_new: number | null; head: number | null }>('SELECT min(seq) FILTER (WHERE ts >= $2) AS first_new, max(seq) AS head FROM audit_events WHERE org_id = $1', [orgId, cutoff.toISOString()]))[0];
    if (!r?.head) return { below_seq: base, events: 0, calls: 0, anchor_hash: null };
    // Only the prefix before the first record inside the window goes (clocks of several
    // instances may disagree, so a later seq can carry an earlier time), and never the newest
    // record: the chain head must stay in the table.
    const below = Math.min(Number(r.first_new ?? r.head), Number(r.head));
    if (below <= base) return { below_seq: base, events: 0, calls: 0, anchor_hash: null };
    const c = (await q.query<{ e: number; c: number }>('SELECT (SELECT count(*) FROM audit_events WHERE org_id = $1 AND seq < $2) AS e, (SELECT count(*) FROM calls WHERE org_id = $1 AND audit_seq < $2) AS c', [orgId, below]))[0]!;
    const anchor = (await q.query<{ prev_hash: string }>('SELECT prev_hash FROM audit_events WHERE org_id = $1 AND seq = $2', [orgId, below]))[0]?.prev_hash ?? null;
    return { below_seq: below, events: Number(c.e), calls: Number(c.c), anchor_hash: anchor };
  },
  async insertRequest(q: Queryable, r: Omit<PurgeRequest, 'decided_by' | 'decided_by_name' | 'decided_at' | 'reason' | 'purged_events' | 'purged_calls' | 'requested_at' | 'state' | 'exported_at' | 'exported_by_name'>): Promise<PurgeRequest> {
    const rows = await q.query<Record<string, unknown>>(
      `INSERT INTO audit_purge_requests (id, org_id, state, below_seq, cutoff, retention_days, events, calls, requested_by, requested_by_name, expires_at)
       VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [r.id, r.org_id, r.below_seq, r.cutoff, r.retention_days, r.events, r.calls, r.requested_by, r.requested_by_name, r.expires_at],
    );
    return toRequest(rows[0]!);
  },
  async request(q: Queryable, orgId: string, id: string, forUpdate = false): Promise<PurgeRequest | undefined> {
    const r = (await q.query<Record<string, unknown>>(`SELECT * FROM audit_purge_requests WHERE org_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [orgId, id]))[0];
    return r && toRequest(r);
  },
  async requests(q: Queryable, orgId: string, limit: number): Promise<PurgeRequest[]> {
    return (await q.query<Record<string, unknown>>('SELECT * FROM audit_purge_requests WHERE org_id = $1 ORDER BY requested_at DESC, id LIMIT $2', [orgId, limit])).map(toRequest);
  },
  async close(q: Queryable, orgId: string, id: string, state: PurgeState, by: { id: string; name: string } | null, reason: string | null, purged?: { events: number; calls: number }): Promise<void> {
    await q.query(
      `UPDATE audit_purge_requests SET state = $3, decided_by = $4, decided_by_name = $5, decided_at = now(), reason = $6, purged_events = $7, purged_calls = $8 WHERE org_id = $1 AND id = $2`,
      [orgId, id, state, by?.id ?? null, by?.name ?? null, reason, purged?.events ?? null, purged?.calls ?? null],
    );
  },
  /** A page of the org's events in [fromSeq, belowSeq) with their call rows (null for events without one). */
  async rangeWithCalls(q: Queryable, orgId: string, fromSeq: number, belowSeq: number, limit: number): Promise<(Record<string, unknown> & { seq: number; call: Record<string, unknown> | null })[]> {
    return q.query(
      `SELECT e.*, to_jsonb(c) - 'org_id' AS call FROM audit_events e LEFT JOIN calls c ON c.org_id = e.org_id AND c.audit_seq = e.seq
       WHERE e.org_id = $1 AND e.seq >= $2 AND e.seq < $3 ORDER BY e.seq LIMIT $4`,
      [orgId, fromSeq, belowSeq, limit],
    );
  },
  async markExported(q: Queryable, orgId: string, id: string, byName: string): Promise<void> {
    await q.query('UPDATE audit_purge_requests SET exported_at = now(), exported_by_name = $3 WHERE org_id = $1 AND id = $2', [orgId, id, byName]);
  },
  /** Deletes the org's records below `belowSeq` (calls first: they reference the events by seq). */
  async purge(q: Queryable, orgId: string, belowSeq: number): Promise<{ events: number; calls: number }> {
    const count = async (sql: string) => Number((await q.query<{ n: number }>(`WITH d AS (${sql} RETURNING 1) SELECT count(*) AS n FROM d`, [orgId, belowSeq]))[0]!.n);
    const calls = await count('DELETE FROM calls WHERE org_id = $1 AND audit_seq < $2');
    const events = await count('DELETE FROM audit_events WHERE org_id = $1 AND seq < $2');
    return { events, calls };
  },
  async insertTruncation(q: Queryable, t: SignedTruncation): Promise<void> {
    await q.query('INSERT INTO audit_truncations (org_id, below_seq, anchor_hash, ts, key_id, signature, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7)', [t.org_id, t.below_seq, t.anchor_hash, t.ts, t.key_id, t.signature, t.request_id]);
  },
  /** The newest truncation marker: where the org's chain begins now. */
  async truncation(q: Queryable, orgId: string): Promise<SignedTruncation | undefined> {
    const r = (await q.query<Record<string, unknown>>('SELECT * FROM audit_truncations WHERE org_id = $1 ORDER BY below_seq DESC LIMIT 1', [orgId]))[0];
    return r && { org_id: String(r.org_id), below_seq: Number(r.below_seq), anchor_hash: String(r.anchor_hash), ts: iso(r.ts)!, key_id: String(r.key_id), signature: String(r.signature), request_id: String(r.request_id) };
  },
};
