/**
 * The policy module's SQL. Functions take a Queryable, so they run inside or outside a
 * transaction. `recordedCalls` reads the audit module's `calls` table (read only) for
 * simulations.
 */
import type { Queryable } from '../store/store.ts';
import type { PolicyDocument } from './document.ts';

export const POLICY_CHANNEL = 'flowlink_policy';
/** Arbitrary constant: serializes policy writes across instances sharing one database. */
export const POLICY_LOCK = 7_420_020;

export interface VersionRow {
  set_name: string;
  version: number;
  source: 'yaml' | 'api' | 'rollback';
  actor: string;
  created_at: Date;
  document: PolicyDocument;
  checksum: string;
  diff: string;
  rolled_back_to: number | null;
}

export interface RecordedCallRow {
  id: string;
  org_id: string;
  agent_name: string | null;
  agent_labels: Record<string, string> | null;
  server: string;
  tool: string;
  arguments: Record<string, unknown> | null;
  status: string;
  started_at: Date;
  decision: Record<string, unknown> | null;
}

export const policyRepo = {
  async lock(q: Queryable): Promise<void> {
    await q.query('SELECT pg_advisory_xact_lock($1)', [POLICY_LOCK]);
  },
  async latest(q: Queryable, set: string): Promise<VersionRow | undefined> {
    return (await q.query<VersionRow>('SELECT * FROM policy_versions WHERE set_name = $1 ORDER BY version DESC LIMIT 1', [set]))[0];
  },
  async latestFromSource(q: Queryable, set: string, source: VersionRow['source']): Promise<VersionRow | undefined> {
    return (await q.query<VersionRow>('SELECT * FROM policy_versions WHERE set_name = $1 AND source = $2 ORDER BY version DESC LIMIT 1', [set, source]))[0];
  },
  async get(q: Queryable, set: string, version: number): Promise<VersionRow | undefined> {
    return (await q.query<VersionRow>('SELECT * FROM policy_versions WHERE set_name = $1 AND version = $2', [set, version]))[0];
  },
  async list(q: Queryable, set: string, limit: number): Promise<Omit<VersionRow, 'document'>[]> {
    return q.query('SELECT set_name, version, source, actor, created_at, checksum, diff, rolled_back_to FROM policy_versions WHERE set_name = $1 ORDER BY version DESC LIMIT $2', [set, limit]);
  },
  async insert(q: Queryable, row: Omit<VersionRow, 'created_at'>): Promise<VersionRow> {
    const r = await q.query<VersionRow>(
      'INSERT INTO policy_versions (set_name, version, source, actor, document, checksum, diff, rolled_back_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
      [row.set_name, row.version, row.source, row.actor, JSON.stringify(row.document), row.checksum, row.diff, row.rolled_back_to],
    );
    return r[0]!;
  },
  async recordedCalls(q: Queryable, f: { since: Date; limit: number; orgId?: string | undefined }): Promise<RecordedCallRow[]> {
    const params: unknown[] = [f.since, f.limit];
    let where = 'c.started_at >= $1';
    if (f.orgId !== undefined) {
      params.push(f.orgId);
      where += ' AND c.org_id = $3';
    }
    return q.query<RecordedCallRow>(
      `SELECT c.id, c.org_id, c.agent_name, a.labels AS agent_labels, c.server, c.tool, c.arguments, c.status, c.started_at, c.decision
       FROM calls c LEFT JOIN agents a ON a.id = c.agent_id WHERE ${where} ORDER BY c.started_at, c.id LIMIT $2`,
      params,
    );
  },
};
