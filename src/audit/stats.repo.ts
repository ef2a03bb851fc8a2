import type { Queryable } from '../store/store.ts';
import { RISK_SQL } from './audit.repo.ts';

/** Buckets the overview's time series may use, in seconds. */
export const BUCKETS: Record<string, number> = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '6h': 21_600, '1d': 86_400 };
export const MAX_POINTS = 1000;

export interface OverviewCounts {
  calls: number;
  ok: number;
  errors: number;
  /** Stopped by a check before reaching the server (policy, Shield, rate limit, approval denied). */
  blocked: number;
  /** Calls Shield or policy sent for approval (whatever the outcome). */
  approvals: number;
}

export interface SeriesPoint {
  t: string;
  calls: number;
  blocked: number;
  errors: number;
}

export interface TopAgent {
  agent: string | null;
  agent_id: string | null;
  calls: number;
  blocked: number;
  max_risk: number | null;
  avg_risk: number | null;
}

export interface TopTool {
  server: string;
  tool: string;
  calls: number;
  blocked: number;
  max_risk: number | null;
  avg_risk: number | null;
}

const VERDICT_SQL = `coalesce(decision->'shield'->>'verdict', decision->>'verdict')`;
const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);

/** The overview's aggregates over one org's command history in [since, until). Every query is scoped by org. */
export const statsRepo = {
  async counts(q: Queryable, orgId: string, since: Date, until: Date): Promise<OverviewCounts> {
    const r = (
      await q.query<Record<string, string | number>>(
        `SELECT count(*) AS calls,
          count(*) FILTER (WHERE status = 'ok') AS ok,
          count(*) FILTER (WHERE status = 'error') AS errors,
          count(*) FILTER (WHERE status = 'denied') AS blocked,
          count(*) FILTER (WHERE ${VERDICT_SQL} = 'approve') AS approvals
        FROM calls WHERE org_id = $1 AND started_at >= $2 AND started_at < $3`,
        [orgId, since.toISOString(), until.toISOString()],
      )
    )[0]!;
    return { calls: Number(r.calls), ok: Number(r.ok), errors: Number(r.errors), blocked: Number(r.blocked), approvals: Number(r.approvals) };
  },

  /** Points for every bucket of the window (empty buckets are zeros), oldest first. */
  async series(q: Queryable, orgId: string, since: Date, until: Date, bucketSec: number): Promise<SeriesPoint[]> {
    const rows = await q.query<{ b: string | number; calls: string | number; blocked: string | number; errors: string | number }>(
      `SELECT floor(extract(epoch FROM started_at) / $4) AS b, count(*) AS calls,
          count(*) FILTER (WHERE status = 'denied') AS blocked, count(*) FILTER (WHERE status = 'error') AS errors
        FROM calls WHERE org_id = $1 AND started_at >= $2 AND started_at < $3 GROUP BY 1`,
      [orgId, since.toISOString(), until.toISOString(), bucketSec],
    );
    const by = new Map(rows.map((r) => [Number(r.b), r]));
    const out: SeriesPoint[] = [];
    const first = Math.floor(since.getTime() / 1000 / bucketSec);
    const last = Math.floor((until.getTime() - 1) / 1000 / bucketSec);
    for (let b = first; b <= last && out.length < MAX_POINTS; b++) {
      const r = by.get(b);
      out.push({ t: new Date(b * bucketSec * 1000).toISOString(), calls: Number(r?.calls ?? 0), blocked: Number(r?.blocked ?? 0), errors: Number(r?.errors ?? 0) });
    }
    return out;
  },

  /** Agents by highest recorded risk, then by blocked calls. */
  async topAgents(q: Queryable, orgId: string, since: Date, until: Date, limit: number): Promise<TopAgent[]> {
    const rows = await q.query<Record<string, unknown>>(
      `SELECT agent_name, agent_id, count(*) AS calls, count(*) FILTER (WHERE status = 'denied') AS blocked, max(${RISK_SQL}) AS max_risk, avg(${RISK_SQL}) AS avg_risk
        FROM calls WHERE org_id = $1 AND started_at >= $2 AND started_at < $3
        GROUP BY agent_name, agent_id ORDER BY max(${RISK_SQL}) DESC NULLS LAST, 4 DESC, 3 DESC, agent_name LIMIT $4`,
      [orgId, since.toISOString(), until.toISOString(), limit],
    );
    return rows.map((r) => ({ agent: (r.agent_name as string | null) ?? null, agent_id: (r.agent_id as string | null) ?? null, calls: Number(r.calls), blocked: Number(r.blocked), max_risk: num(r.max_risk), avg_risk: num(r.avg_risk) }));
  },

  async topTools(q: Queryable, orgId: string, since: Date, until: Date, limit: number): Promise<TopTool[]> {
    const rows = await q.query<Record<string, unknown>>(
      `SELECT server, tool, count(*) AS calls, count(*) FILTER (WHERE status = 'denied') AS blocked, max(${RISK_SQL}) AS max_risk, avg(${RISK_SQL}) AS avg_risk
        FROM calls WHERE org_id = $1 AND started_at >= $2 AND started_at < $3
        GROUP BY server, tool ORDER BY max(${RISK_SQL}) DESC NULLS LAST, 4 DESC, 3 DESC, server, tool LIMIT $4`,
      [orgId, since.toISOString(), until.toISOString(), limit],
    );
    return rows.map((r) => ({ server: String(r.server), tool: String(r.tool), calls: Number(r.calls), blocked: Number(r.blocked), max_risk: num(r.max_risk), avg_risk: num(r.avg_risk) }));
  },
};
