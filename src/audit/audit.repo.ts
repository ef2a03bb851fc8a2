import type { Queryable } from '../store/store.ts';

export interface CallRow {
  id: string;
  org_id: string;
  audit_seq: number;
  agent_id: string | null;
  agent_name: string | null;
  session_id: string | null;
  server: string;
  tool: string;
  arguments: unknown;
  status: 'ok' | 'error' | 'denied';
  error: string | null;
  duration_ms: number;
  started_at: string;
  finished_at: string;
  client: unknown;
  protocol: string | null;
  decision: unknown;
}

export interface EventRow {
  org_id: string;
  seq: number;
  id: string;
  ts: string;
  kind: string;
  code: string;
  actor_type: string;
  actor_id: string | null;
  outcome: string;
  data: unknown;
  prev_hash: string;
  hash: string;
}

const EVENT_COLS = 'org_id text, seq bigint, id text, ts timestamptz, kind text, code text, actor_type text, actor_id text, outcome text, data jsonb, prev_hash text, hash text';
const CALL_COLS =
  'id text, org_id text, audit_seq bigint, agent_id text, agent_name text, session_id text, server text, tool text, arguments jsonb, status text, error text, duration_ms double precision, started_at timestamptz, finished_at timestamptz, client jsonb, protocol text, decision jsonb';
const names = (cols: string) => cols.split(',').map((c) => c.trim().split(' ')[0]).join(', ');

// One statement writes the events and their call rows: atomic, and one round trip.
const APPEND_SQL = `WITH ev AS (
  INSERT INTO audit_events (${names(EVENT_COLS)})
  SELECT ${names(EVENT_COLS)} FROM jsonb_to_recordset($1::jsonb) AS x(${EVENT_COLS})
  RETURNING seq)
INSERT INTO calls (${names(CALL_COLS)})
SELECT ${names(CALL_COLS)} FROM jsonb_to_recordset($2::jsonb) AS y(${CALL_COLS})`;

const EVENT_NAMES = names(EVENT_COLS).split(', ');
const CALL_NAMES = names(CALL_COLS).split(', ');
const placeholders = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');
// The common case, one event (with or without its call row), as plain VALUES: cheaper to
// plan than jsonb_to_recordset on both stores. Column order matches EVENT_COLS / CALL_COLS.
const APPEND_ONE_SQL = `INSERT INTO audit_events (${EVENT_NAMES.join(', ')}) VALUES (${placeholders(EVENT_NAMES.length)})`;
const APPEND_ONE_WITH_CALL_SQL = `WITH ev AS (${APPEND_ONE_SQL} RETURNING seq)
INSERT INTO calls (${CALL_NAMES.join(', ')}) VALUES (${placeholders(CALL_NAMES.length, EVENT_NAMES.length + 1)})`;
const JSON_COLS = new Set(['data', 'arguments', 'client', 'decision']);

function values(row: object, cols: readonly string[]): unknown[] {
  const r = row as Record<string, unknown>;
  return cols.map((c) => (JSON_COLS.has(c) ? (r[c] === undefined || r[c] === null ? null : JSON.stringify(r[c])) : (r[c] ?? null)));
}

export interface HistoryFilter {
  orgId: string;
  limit: number;
  agent?: string | undefined;
  server?: string | undefined;
  tool?: string | undefined;
  status?: string | undefined;
  /** Shield verdict recorded in the call's decision (allow, approve, block). */
  verdict?: string | undefined;
  /** Calls whose recorded risk is at least this (0-100). */
  minRisk?: number | undefined;
  /** ...and at most this. */
  maxRisk?: number | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Case-insensitive substring of tool, server, agent, error or arguments. */
  text?: string | undefined;
  /** Keyset cursor: calls strictly older than this one (for paging through an export). */
  before?: { started_at: string; id: string } | undefined;
  /** Order by audit sequence (the REST API's stable cursor) instead of start time. */
  bySeq?: boolean | undefined;
  /** With bySeq: calls recorded strictly before this audit sequence number. */
  beforeSeq?: number | undefined;
}

export const MAX_HISTORY_TEXT = 200;

export interface EventFilter {
  orgId: string;
  limit: number;
  /** Only these kinds (a severity filter is turned into the kinds that have it). */
  kinds?: string[] | undefined;
  actorType?: string | undefined;
  actorId?: string | undefined;
  outcome?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  beforeSeq?: number | undefined;
}
// Where the shield stage records its verdict in `decision`; a top-level verdict is accepted too.
const VERDICT_SQL = `coalesce(decision->'shield'->>'verdict', decision->>'verdict')`;
const RISK_TEXT_SQL = `coalesce(decision->'shield'->>'risk', decision->>'risk')`;
/** The recorded risk as a number (NULL when absent or not numeric). */
export const RISK_SQL = `(CASE WHEN ${RISK_TEXT_SQL} ~ '^[0-9]+(\.[0-9]+)?$' THEN (${RISK_TEXT_SQL})::numeric END)`;

function historyQuery(f: HistoryFilter): { sql: string; params: unknown[] } {
  const where = ['org_id = $1'];
  const params: unknown[] = [f.orgId];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  const eq = (col: string, v: string | undefined) => {
    if (v !== undefined) where.push(`${col} = ${p(v)}`);
  };
  eq('agent_name', f.agent);
  eq('server', f.server);
  eq('tool', f.tool);
  eq('status', f.status);
  if (f.verdict !== undefined) where.push(`${VERDICT_SQL} = ${p(f.verdict)}`);
  if (f.minRisk !== undefined) where.push(`${RISK_SQL} >= ${p(f.minRisk)}`);
  if (f.maxRisk !== undefined) where.push(`${RISK_SQL} <= ${p(f.maxRisk)}`);
  if (f.since) where.push(`started_at >= ${p(f.since.toISOString())}`);
  if (f.until) where.push(`started_at < ${p(f.until.toISOString())}`);
  if (f.text !== undefined && f.text !== '') {
    const like = p(`%${f.text.slice(0, MAX_HISTORY_TEXT).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(tool ILIKE ${like} OR server ILIKE ${like} OR coalesce(agent_name, '') ILIKE ${like} OR coalesce(error, '') ILIKE ${like} OR coalesce(arguments::text, '') ILIKE ${like})`);
  }
  if (f.before) where.push(`(started_at, id) < (${p(f.before.started_at)}::timestamptz, ${p(f.before.id)})`);
  if (f.beforeSeq !== undefined) where.push(`audit_seq < ${p(f.beforeSeq)}`);
  const order = f.bySeq ? 'audit_seq DESC' : 'started_at DESC, id DESC';
  return { sql: `SELECT * FROM calls WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${p(f.limit)}`, params };
}

export const auditRepo = {
  async head(q: Queryable, orgId: string): Promise<{ seq: number; hash: string } | undefined> {
    return (await q.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_events WHERE org_id = $1 ORDER BY seq DESC LIMIT 1', [orgId]))[0];
  },
  async append(q: Queryable, events: readonly object[], calls: readonly CallRow[]): Promise<void> {
    if (events.length === 1 && calls.length === 0) {
      await q.query(APPEND_ONE_SQL, values(events[0]!, EVENT_NAMES), { name: 'flowlink_audit_append_one' });
    } else if (events.length === 1 && calls.length === 1) {
      await q.query(APPEND_ONE_WITH_CALL_SQL, [...values(events[0]!, EVENT_NAMES), ...values(calls[0]!, CALL_NAMES)], { name: 'flowlink_audit_append_call' });
    } else {
      await q.query(APPEND_SQL, [JSON.stringify(events), JSON.stringify(calls)], { name: 'flowlink_audit_append' });
    }
  },
  async history(q: Queryable, f: HistoryFilter): Promise<CallRow[]> {
    const { sql, params } = historyQuery(f);
    return q.query<CallRow>(sql, params);
  },
  async call(q: Queryable, orgId: string, id: string): Promise<CallRow | undefined> {
    return (await q.query<CallRow>('SELECT * FROM calls WHERE org_id = $1 AND id = $2', [orgId, id]))[0];
  },
  /** Calls recorded with audit seq in [from, to] (live feed from another instance, stream resume). */
  async callsBySeq(q: Queryable, orgId: string, from: number, to: number, limit: number): Promise<CallRow[]> {
    return q.query<CallRow>('SELECT * FROM calls WHERE org_id = $1 AND audit_seq >= $2 AND audit_seq <= $3 ORDER BY audit_seq LIMIT $4', [orgId, from, to, limit]);
  },
  async event(q: Queryable, orgId: string, ref: { seq: number } | { id: string }): Promise<EventRow | undefined> {
    const [col, v] = 'seq' in ref ? ['seq', ref.seq] : ['id', ref.id];
    return (await q.query<EventRow>(`SELECT * FROM audit_events WHERE org_id = $1 AND ${col} = $2`, [orgId, v]))[0];
  },
  /** Events newest first with filters; `beforeSeq` is the page cursor. */
  async eventList(q: Queryable, f: EventFilter): Promise<EventRow[]> {
    const where = ['org_id = $1'];
    const params: unknown[] = [f.orgId];
    const p = (v: unknown) => (params.push(v), `$${params.length}`);
    if (f.kinds) where.push(`kind = ANY(${p(f.kinds)}::text[])`);
    if (f.actorType !== undefined) where.push(`actor_type = ${p(f.actorType)}`);
    if (f.actorId !== undefined) where.push(`actor_id = ${p(f.actorId)}`);
    if (f.outcome !== undefined) where.push(`outcome = ${p(f.outcome)}`);
    if (f.since) where.push(`ts >= ${p(f.since.toISOString())}`);
    if (f.until) where.push(`ts < ${p(f.until.toISOString())}`);
    if (f.beforeSeq !== undefined) where.push(`seq < ${p(f.beforeSeq)}`);
    return q.query<EventRow>(`SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ${p(f.limit)}`, params);
  },
  async events(q: Queryable, orgId: string, fromSeq: number, limit: number): Promise<EventRow[]> {
    return q.query<EventRow>('SELECT * FROM audit_events WHERE org_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3', [orgId, fromSeq, limit]);
  },
};
