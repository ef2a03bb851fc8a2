import type { Queryable } from '../store/store.ts';
import type { BackendKind } from './secrets.types.ts';

/**
 * The secrets module's tables. Every function takes the org id and puts it in the WHERE
 * clause, so a name from another org finds nothing. Ciphertext columns are read only by
 * `sealedVersion`/`sealedForKey`, which the services use internally; listing functions
 * never select them.
 */
export interface OrgKeyRow {
  org_id: string;
  key_id: string;
  public_key: string;
  sealed_private_key: string;
  fingerprint: string;
  state: 'active' | 'retiring' | 'retired';
  created_at: Date;
  retired_at: Date | null;
}

export interface SecretRow {
  org_id: string;
  name: string;
  current_version: number;
  backend: BackendKind;
  reference: string | null;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
}

export interface VersionRow {
  version: number;
  backend: BackendKind;
  reference: string | null;
  created_at: Date;
  created_by: string;
  erased: boolean;
}

export interface SealedRow {
  org_id: string;
  name: string;
  version: number;
  backend: BackendKind;
  reference: string | null;
  ciphertext: string | null;
  wrapped_key: string | null;
  key_id: string | null;
}

export const secretsRepo = {
  async keys(q: Queryable, orgId: string): Promise<OrgKeyRow[]> {
    return q.query<OrgKeyRow>('SELECT * FROM secret_org_keys WHERE org_id = $1 ORDER BY created_at', [orgId]);
  },
  async activeKey(q: Queryable, orgId: string): Promise<OrgKeyRow | undefined> {
    return (await q.query<OrgKeyRow>("SELECT * FROM secret_org_keys WHERE org_id = $1 AND state = 'active'", [orgId], { name: 'secrets_active_key' }))[0];
  },
  async key(q: Queryable, orgId: string, keyId: string): Promise<OrgKeyRow | undefined> {
    return (await q.query<OrgKeyRow>('SELECT * FROM secret_org_keys WHERE org_id = $1 AND key_id = $2', [orgId, keyId], { name: 'secrets_key' }))[0];
  },
  async insertKey(q: Queryable, r: Omit<OrgKeyRow, 'created_at' | 'retired_at'>): Promise<void> {
    await q.query('INSERT INTO secret_org_keys (org_id, key_id, public_key, sealed_private_key, fingerprint, state) VALUES ($1, $2, $3, $4, $5, $6)', [r.org_id, r.key_id, r.public_key, r.sealed_private_key, r.fingerprint, r.state]);
  },
  async setKeyState(q: Queryable, orgId: string, keyId: string, state: OrgKeyRow['state']): Promise<void> {
    await q.query(`UPDATE secret_org_keys SET state = $3, retired_at = CASE WHEN $3::text = 'retired' THEN now() ELSE retired_at END${state === 'retired' ? ", sealed_private_key = ''" : ''} WHERE org_id = $1 AND key_id = $2`, [orgId, keyId, state]);
  },

  async get(q: Queryable, orgId: string, name: string): Promise<(SecretRow & { deleted_at: Date | null }) | undefined> {
    return (
      await q.query<SecretRow & { deleted_at: Date | null }>(
        'SELECT s.org_id, s.name, s.current_version, v.backend, v.reference, s.created_at, s.created_by, s.updated_at, s.updated_by, s.deleted_at FROM secrets s JOIN secret_versions v ON v.org_id = s.org_id AND v.name = s.name AND v.version = s.current_version WHERE s.org_id = $1 AND s.name = $2',
        [orgId, name],
        { name: 'secrets_get' },
      )
    )[0];
  },
  async list(q: Queryable, orgId: string): Promise<SecretRow[]> {
    return q.query<SecretRow>(
      'SELECT s.org_id, s.name, s.current_version, v.backend, v.reference, s.created_at, s.created_by, s.updated_at, s.updated_by FROM secrets s JOIN secret_versions v ON v.org_id = s.org_id AND v.name = s.name AND v.version = s.current_version WHERE s.org_id = $1 AND s.deleted_at IS NULL ORDER BY s.name',
      [orgId],
    );
  },
  async versions(q: Queryable, orgId: string, name: string): Promise<VersionRow[]> {
    return q.query<VersionRow>('SELECT version, backend, reference, created_at, created_by, (ciphertext IS NULL AND backend = \'builtin\') AS erased FROM secret_versions WHERE org_id = $1 AND name = $2 ORDER BY version', [orgId, name]);
  },
  /** Locks the secret's row (FOR UPDATE) so concurrent sets number their versions in turn. */
  async lockForWrite(q: Queryable, orgId: string, name: string): Promise<{ max: number; exists: boolean }> {
    const r = await q.query<{ current_version: number }>('SELECT current_version FROM secrets WHERE org_id = $1 AND name = $2 FOR UPDATE', [orgId, name]);
    if (!r[0]) return { max: 0, exists: false };
    const m = await q.query<{ max: number }>('SELECT max(version)::int AS max FROM secret_versions WHERE org_id = $1 AND name = $2', [orgId, name]);
    return { max: m[0]?.max ?? 0, exists: true };
  },
  async insertVersion(q: Queryable, r: SealedRow & { created_by: string }, exists: boolean): Promise<void> {
    if (!exists) await q.query('INSERT INTO secrets (org_id, name, current_version, created_by, updated_by) VALUES ($1, $2, $3, $4, $4)', [r.org_id, r.name, r.version, r.created_by]);
    await q.query('INSERT INTO secret_versions (org_id, name, version, backend, reference, ciphertext, wrapped_key, key_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [r.org_id, r.name, r.version, r.backend, r.reference, r.ciphertext, r.wrapped_key, r.key_id, r.created_by]);
    if (exists) await q.query('UPDATE secrets SET current_version = $3, updated_at = now(), updated_by = $4, deleted_at = NULL, deleted_by = NULL WHERE org_id = $1 AND name = $2', [r.org_id, r.name, r.version, r.created_by]);
  },
  /** Marks the secret deleted and erases every version's ciphertext (the history rows stay). */
  async softDelete(q: Queryable, orgId: string, name: string, by: string): Promise<boolean> {
    const r = await q.query<{ name: string }>('UPDATE secrets SET deleted_at = now(), deleted_by = $3, updated_at = now(), updated_by = $3 WHERE org_id = $1 AND name = $2 AND deleted_at IS NULL RETURNING name', [orgId, name, by]);
    if (!r.length) return false;
    await q.query('UPDATE secret_versions SET ciphertext = NULL, wrapped_key = NULL, key_id = NULL WHERE org_id = $1 AND name = $2', [orgId, name]);
    return true;
  },
  /** The current version's sealed value or reference (internal: for resolution only). */
  async sealedCurrent(q: Queryable, orgId: string, name: string): Promise<SealedRow | undefined> {
    return (
      await q.query<SealedRow>(
        'SELECT v.org_id, v.name, v.version, v.backend, v.reference, v.ciphertext, v.wrapped_key, v.key_id FROM secrets s JOIN secret_versions v ON v.org_id = s.org_id AND v.name = s.name AND v.version = s.current_version WHERE s.org_id = $1 AND s.name = $2 AND s.deleted_at IS NULL',
        [orgId, name],
        { name: 'secrets_sealed_current' },
      )
    )[0];
  },
  /** Versions whose data key is wrapped to `keyId`, a page at a time (rotation). */
  async sealedForKey(q: Queryable, orgId: string, keyId: string, limit: number): Promise<SealedRow[]> {
    return q.query<SealedRow>('SELECT org_id, name, version, backend, reference, ciphertext, wrapped_key, key_id FROM secret_versions WHERE org_id = $1 AND key_id = $2 ORDER BY name, version LIMIT $3', [orgId, keyId, limit]);
  },
  /** Swaps one version's wrapped key, only if it is still wrapped to the old key (a concurrent set or delete wins). */
  async rewrap(q: Queryable, orgId: string, name: string, version: number, fromKey: string, toKey: string, wrapped: string): Promise<boolean> {
    const r = await q.query<{ version: number }>('UPDATE secret_versions SET wrapped_key = $6, key_id = $5 WHERE org_id = $1 AND name = $2 AND version = $3 AND key_id = $4 RETURNING version', [orgId, name, version, fromKey, toKey, wrapped]);
    return r.length === 1;
  },
  async countsByKey(q: Queryable, orgId: string): Promise<Map<string, number>> {
    const r = await q.query<{ key_id: string; n: number }>('SELECT key_id, count(*)::int AS n FROM secret_versions WHERE org_id = $1 AND key_id IS NOT NULL GROUP BY key_id', [orgId]);
    return new Map(r.map((x) => [x.key_id, x.n]));
  },
  async countForKey(q: Queryable, orgId: string, keyId: string): Promise<number> {
    const r = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM secret_versions WHERE org_id = $1 AND key_id = $2', [orgId, keyId]);
    return r[0]?.n ?? 0;
  },
};
