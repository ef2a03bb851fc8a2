import type { Queryable } from '../store/store.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { checkpointRepo } from '../audit/checkpoint.repo.ts';
import { siemRepo, type CursorRow } from './siem.repo.ts';
import type { SiemSink } from './siem.types.ts';

/** One sink's delivery state for one org. */
export interface SinkOrgStatus {
  sink: string;
  type: string;
  org_id: string;
  /** Last audit seq the sink has (sent, or skipped by its filter). */
  delivered_seq: number;
  head_seq: number;
  /** Records after the cursor (sent or to be filtered), and the age of the oldest of them. */
  lag_events: number;
  lag_seconds: number;
  state: 'ok' | 'behind' | 'failing';
  attempts: number;
  last_error: string | null;
  last_error_at: string | null;
  last_success_at: string | null;
  delivered_total: number;
}

/** A sink summed over orgs (metrics, CLI). */
export interface SinkSummary {
  sink: string;
  type: string;
  target: string | null;
  acknowledged: boolean;
  lag_events: number;
  lag_seconds: number;
  state: 'ok' | 'behind' | 'failing';
  last_error: string | null;
  last_error_at: string | null;
  last_success_at: string | null;
  delivered_total: number;
  orgs: SinkOrgStatus[];
}

const EMPTY = (sink: string, org: string): CursorRow => ({ sink_id: sink, org_id: org, last_seq: 0, attempts: 0, last_error: null, last_error_at: null, delivered_at: null, delivered_total: 0 });

/**
 * Delivery status of `sinks`: for one org (its own cursors and records only), or for every
 * org (`orgId` undefined: the installation's views). Sinks that never ran show their full
 * backlog as lag.
 */
export async function sinkStatuses(q: Queryable, sinks: readonly SiemSink[], opts: { orgId?: string | undefined; now?: number } = {}): Promise<SinkOrgStatus[]> {
  const now = opts.now ?? Date.now();
  const heads = opts.orgId !== undefined ? [{ org_id: opts.orgId, seq: Number((await auditRepo.head(q, opts.orgId))?.seq ?? 0) }] : (await checkpointRepo.heads(q)).map((h) => ({ org_id: h.org_id, seq: Number(h.seq) }));
  const rows = opts.orgId !== undefined ? await siemRepo.cursorsForOrg(q, opts.orgId) : await siemRepo.allCursors(q);
  const byKey = new Map(rows.map((r) => [`${r.sink_id}\u0000${r.org_id}`, r]));
  const out: SinkOrgStatus[] = [];
  for (const s of sinks) {
    for (const h of heads) {
      const c = byKey.get(`${s.id}\u0000${h.org_id}`) ?? EMPTY(s.id, h.org_id);
      const lag = Math.max(0, h.seq - c.last_seq);
      const since = lag > 0 ? await siemRepo.pendingSince(q, h.org_id, c.last_seq) : undefined;
      out.push({
        sink: s.id,
        type: s.type ?? 'custom',
        org_id: h.org_id,
        delivered_seq: c.last_seq,
        head_seq: h.seq,
        lag_events: lag,
        lag_seconds: since ? Math.max(0, Math.round((now - since.getTime()) / 1000)) : 0,
        state: c.attempts > 0 ? 'failing' : lag > 0 ? 'behind' : 'ok',
        attempts: c.attempts,
        last_error: c.last_error,
        last_error_at: c.last_error_at,
        last_success_at: c.delivered_at,
        delivered_total: c.delivered_total,
      });
    }
  }
  return out;
}

const latest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

/** Sums per-org rows into one line per sink. Pure. */
export function summarize(sinks: readonly SiemSink[], rows: readonly SinkOrgStatus[]): SinkSummary[] {
  return sinks.map((s) => {
    const mine = rows.filter((r) => r.sink === s.id);
    const failing = mine.filter((r) => r.state === 'failing').sort((a, b) => ((b.last_error_at ?? '') > (a.last_error_at ?? '') ? 1 : -1));
    const lag = mine.reduce((n, r) => n + r.lag_events, 0);
    return {
      sink: s.id,
      type: s.type ?? 'custom',
      target: s.target ?? null,
      acknowledged: s.acknowledged !== false,
      lag_events: lag,
      lag_seconds: mine.reduce((n, r) => Math.max(n, r.lag_seconds), 0),
      state: failing.length ? 'failing' : lag > 0 ? 'behind' : 'ok',
      last_error: failing[0]?.last_error ?? null,
      last_error_at: mine.reduce<string | null>((t, r) => latest(t, r.last_error_at), null),
      last_success_at: mine.reduce<string | null>((t, r) => latest(t, r.last_success_at), null),
      delivered_total: mine.reduce((n, r) => n + r.delivered_total, 0),
      orgs: mine,
    };
  });
}
