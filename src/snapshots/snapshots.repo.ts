/** The snapshots module's SQL. Every read and write names the org. */
import type { Queryable } from '../store/store.ts';
import type { Snapshot, SnapshotMeta } from './snapshots.types.ts';

const META = 'id, org_id, reason, ref, actor, created_at, content_sha256, policy_version, audit_seq';

type Row = Omit<SnapshotMeta, 'created_at' | 'audit_seq'> & { created_at: Date | string; audit_seq: number | string | null };
const meta = (r: Row): SnapshotMeta => ({ ...r, created_at: new Date(r.created_at).toISOString(), audit_seq: r.audit_seq === null ? null : Number(r.audit_seq) });

export const snapshotsRepo = {
  async insert(q: Queryable, s: Snapshot): Promise<SnapshotMeta> {
    const r = await q.query<Row>(
      `INSERT INTO snapshots (id, org_id, reason, ref, actor, content_sha256, policy_version, audit_seq, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${META}`,
      [s.id, s.org_id, s.reason, s.ref, s.actor, s.content_sha256, s.policy_version, s.audit_seq, JSON.stringify(s.content)],
    );
    return meta(r[0]!);
  },
  async list(q: Queryable, orgId: string, limit: number, before?: string): Promise<SnapshotMeta[]> {
    const rows = before
      ? await q.query<Row>(`SELECT ${META} FROM snapshots WHERE org_id = $1 AND (created_at, id) < (SELECT created_at, id FROM snapshots WHERE org_id = $1 AND id = $3) ORDER BY created_at DESC, id DESC LIMIT $2`, [orgId, limit, before])
      : await q.query<Row>(`SELECT ${META} FROM snapshots WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [orgId, limit]);
    return rows.map(meta);
  },
  async get(q: Queryable, orgId: string, id: string): Promise<Snapshot | undefined> {
    const r = (await q.query<Row & { content: Snapshot['content'] }>(`SELECT ${META}, content FROM snapshots WHERE org_id = $1 AND id = $2`, [orgId, id]))[0];
    return r ? { ...meta(r), content: r.content } : undefined;
  },
};
