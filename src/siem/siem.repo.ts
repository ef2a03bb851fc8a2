import type { Queryable } from '../store/store.ts';

export interface CursorRow {
  sink_id: string;
  org_id: string;
  last_seq: number;
  attempts: number;
  last_error: string | null;
  last_error_at: string | null;
  delivered_at: string | null;
  delivered_total: number;
}

interface RawCursor {
  sink_id: string;
  org_id: string;
  last_seq: number | string;
  attempts: number;
  last_error: string | null;
  last_error_at: Date | string | null;
  delivered_at: Date | string | null;
  delivered_total: number | string;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
const toCursor = (r: RawCursor): CursorRow => ({ ...r, last_seq: Number(r.last_seq), delivered_total: Number(r.delivered_total), last_error_at: iso(r.last_error_at), delivered_at: iso(r.delivered_at) });
const MAX_ERROR = 300;

/** The siem module's SQL: cursors over the audit log per sink and org, and delivery leases. */
export const siemRepo = {
  async cursor(q: Queryable, sinkId: string, orgId: string): Promise<CursorRow> {
    await q.query('INSERT INTO siem_cursors (sink_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [sinkId, orgId]);
    return toCursor((await q.query<RawCursor>('SELECT * FROM siem_cursors WHERE sink_id = $1 AND org_id = $2', [sinkId, orgId]))[0]!);
  },
  /** Every org's cursor of one sink (the delivery loop's view; installation-level, not for an org's API). */
  async cursorsOfSink(q: Queryable, sinkId: string): Promise<Map<string, CursorRow>> {
    return new Map((await q.query<RawCursor>('SELECT * FROM siem_cursors WHERE sink_id = $1', [sinkId])).map((r) => [r.org_id, toCursor(r)]));
  },
  /** Moves the cursor forward (never back: a stale instance cannot rewind it). */
  async advance(q: Queryable, sinkId: string, orgId: string, seq: number, sent: number): Promise<void> {
    await q.query(
      `UPDATE siem_cursors SET last_seq = GREATEST(last_seq, $3), attempts = 0, last_error = NULL,
         delivered_at = CASE WHEN $4::bigint > 0 THEN now() ELSE delivered_at END, delivered_total = delivered_total + $4::bigint
       WHERE sink_id = $1 AND org_id = $2`,
      [sinkId, orgId, seq, sent],
    );
  },
  async failed(q: Queryable, sinkId: string, orgId: string, attempts: number, error: string): Promise<void> {
    await q.query('UPDATE siem_cursors SET attempts = $3, last_error = $4, last_error_at = now() WHERE sink_id = $1 AND org_id = $2', [sinkId, orgId, attempts, error.slice(0, MAX_ERROR)]);
  },
  async cursorsForOrg(q: Queryable, orgId: string): Promise<CursorRow[]> {
    return (await q.query<RawCursor>('SELECT * FROM siem_cursors WHERE org_id = $1 ORDER BY sink_id', [orgId])).map(toCursor);
  },
  /** Every org's cursors: for the installation's own views (CLI, metrics), never for an org's API. */
  async allCursors(q: Queryable): Promise<CursorRow[]> {
    return (await q.query<RawCursor>('SELECT * FROM siem_cursors ORDER BY sink_id, org_id')).map(toCursor);
  },
  /** Time of the oldest record not yet delivered (the one after the cursor), for lag in seconds. */
  async pendingSince(q: Queryable, orgId: string, afterSeq: number): Promise<Date | undefined> {
    const r = (await q.query<{ ts: Date | string }>('SELECT ts FROM audit_events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT 1', [orgId, afterSeq]))[0];
    return r ? new Date(r.ts) : undefined;
  },
  /** Takes or renews the sink's lease; true when `holder` has it until now + ttl. */
  async lease(q: Queryable, sinkId: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await q.query<{ holder: string }>(
      `INSERT INTO siem_leases (sink_id, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3::double precision))
       ON CONFLICT (sink_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE siem_leases.holder = EXCLUDED.holder OR siem_leases.expires_at < now()
       RETURNING holder`,
      [sinkId, holder, ttlMs / 1000],
    );
    return rows.length > 0;
  },
  async release(q: Queryable, sinkId: string, holder: string): Promise<void> {
    await q.query('DELETE FROM siem_leases WHERE sink_id = $1 AND holder = $2', [sinkId, holder]);
  },
  async leases(q: Queryable): Promise<{ sink_id: string; holder: string; expires_at: string }[]> {
    return (await q.query<{ sink_id: string; holder: string; expires_at: Date | string }>('SELECT * FROM siem_leases ORDER BY sink_id')).map((r) => ({ ...r, expires_at: new Date(r.expires_at).toISOString() }));
  },
};
