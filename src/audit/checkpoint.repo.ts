import type { Queryable } from '../store/store.ts';
import type { SignedCheckpoint } from './checkpoint.ts';

export interface SigningKeyRow {
  id: string;
  algorithm: string;
  public_key: string;
  created_at: Date | string;
  retired_at: Date | string | null;
}

interface CheckpointDbRow {
  org_id: string;
  seq: number;
  hash: string;
  ts: Date | string;
  key_id: string;
  signature: string;
}

const toCheckpoint = (r: CheckpointDbRow): SignedCheckpoint => ({ ...r, seq: Number(r.seq), ts: new Date(r.ts).toISOString() });

export const checkpointRepo = {
  async insert(q: Queryable, c: SignedCheckpoint): Promise<boolean> {
    const rows = await q.query('INSERT INTO audit_checkpoints (org_id, seq, hash, ts, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, seq) DO NOTHING RETURNING seq', [c.org_id, c.seq, c.hash, c.ts, c.key_id, c.signature]);
    return rows.length > 0;
  },
  async latest(q: Queryable, orgId: string): Promise<SignedCheckpoint | undefined> {
    const r = (await q.query<CheckpointDbRow>('SELECT * FROM audit_checkpoints WHERE org_id = $1 ORDER BY seq DESC LIMIT 1', [orgId]))[0];
    return r && toCheckpoint(r);
  },
  async list(q: Queryable, orgId: string, fromSeq = 0): Promise<SignedCheckpoint[]> {
    return (await q.query<CheckpointDbRow>('SELECT * FROM audit_checkpoints WHERE org_id = $1 AND seq >= $2 ORDER BY seq', [orgId, fromSeq])).map(toCheckpoint);
  },
  /** The newest record of every org that has one: what a checkpoint would cover now. */
  async heads(q: Queryable): Promise<{ org_id: string; org_name: string; seq: number; hash: string }[]> {
    return q.query(`SELECT o.id AS org_id, o.name AS org_name, h.seq, h.hash FROM orgs o
      CROSS JOIN LATERAL (SELECT seq, hash FROM audit_events e WHERE e.org_id = o.id ORDER BY seq DESC LIMIT 1) h`);
  },
  async insertKey(q: Queryable, k: { id: string; public_key: string }): Promise<void> {
    await q.query(`INSERT INTO audit_signing_keys (id, algorithm, public_key) VALUES ($1, 'ed25519', $2) ON CONFLICT (id) DO NOTHING`, [k.id, k.public_key]);
  },
  async keys(q: Queryable): Promise<SigningKeyRow[]> {
    return q.query<SigningKeyRow>('SELECT * FROM audit_signing_keys ORDER BY created_at DESC, id');
  },
  async retireOthers(q: Queryable, keepId: string): Promise<string[]> {
    return (await q.query<{ id: string }>('UPDATE audit_signing_keys SET retired_at = now() WHERE retired_at IS NULL AND id <> $1 RETURNING id', [keepId])).map((r) => r.id);
  },
};

/** An org's name, for exported checkpoints (a checkpoint file names the org it vouches for). */
export async function orgName(q: Queryable, orgId: string): Promise<string | undefined> {
  return (await q.query<{ name: string }>('SELECT name FROM orgs WHERE id = $1', [orgId]))[0]?.name;
}
