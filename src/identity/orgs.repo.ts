import type { Queryable } from '../store/store.ts';
import type { Role } from './roles.ts';

/**
 * Organization-scoped tables. Every function that reads or writes an org's rows takes
 * the orgId and puts it in the WHERE clause, so a wrong id from a route finds nothing.
 */
export interface MemberRow {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: Date;
  email: string;
  name: string;
  totp_enabled: boolean;
}

export interface MyOrgRow {
  id: string;
  name: string;
  require_mfa: boolean;
  role: Role;
  created_at: Date;
}

export interface InviteRow {
  token_hash: string;
  id: string;
  org_id: string;
  email: string;
  role: Role;
  invited_by: string;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

export interface ApiKeyRow {
  id: string;
  org_id: string;
  name: string;
  role: Role;
  key_hash: string;
  prefix: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const MEMBER_COLS = 'm.org_id, m.user_id, m.role, m.created_at, u.email, u.name, u.totp_enabled';

export const orgSettingsRepo = {
  async get(q: Queryable, orgId: string): Promise<{ id: string; name: string; require_mfa: boolean; created_at: Date } | undefined> {
    return (await q.query<{ id: string; name: string; require_mfa: boolean; created_at: Date }>('SELECT id, name, require_mfa, created_at FROM orgs WHERE id = $1', [orgId]))[0];
  },
  async update(q: Queryable, orgId: string, patch: { name?: string; requireMfa?: boolean }): Promise<void> {
    if (patch.name !== undefined) await q.query('UPDATE orgs SET name = $2 WHERE id = $1', [orgId, patch.name]);
    if (patch.requireMfa !== undefined) await q.query('UPDATE orgs SET require_mfa = $2 WHERE id = $1', [orgId, patch.requireMfa]);
  },
  async nameTaken(q: Queryable, name: string): Promise<boolean> {
    return (await q.query('SELECT 1 FROM orgs WHERE name = $1', [name])).length > 0;
  },
  async insert(q: Queryable, id: string, name: string): Promise<void> {
    await q.query('INSERT INTO orgs (id, name) VALUES ($1, $2)', [id, name]);
  },
};

export const membersRepo = {
  async add(q: Queryable, orgId: string, userId: string, role: Role): Promise<void> {
    await q.query('INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (org_id, user_id) DO NOTHING', [orgId, userId, role]);
  },
  async get(q: Queryable, orgId: string, userId: string): Promise<MemberRow | undefined> {
    return (await q.query<MemberRow>(`SELECT ${MEMBER_COLS} FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2`, [orgId, userId]))[0];
  },
  async list(q: Queryable, orgId: string): Promise<MemberRow[]> {
    return q.query<MemberRow>(`SELECT ${MEMBER_COLS} FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.email`, [orgId]);
  },
  async setRole(q: Queryable, orgId: string, userId: string, role: Role): Promise<boolean> {
    return (await q.query('UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2 RETURNING user_id', [orgId, userId, role])).length === 1;
  },
  async remove(q: Queryable, orgId: string, userId: string): Promise<boolean> {
    return (await q.query('DELETE FROM memberships WHERE org_id = $1 AND user_id = $2 RETURNING user_id', [orgId, userId])).length === 1;
  },
  async countOwners(q: Queryable, orgId: string): Promise<number> {
    return Number((await q.query<{ n: number }>("SELECT count(*)::int AS n FROM memberships WHERE org_id = $1 AND role = 'owner'", [orgId]))[0]!.n);
  },
  /** The organizations a user belongs to (the user's own view, not org-scoped). */
  async orgsOf(q: Queryable, userId: string): Promise<MyOrgRow[]> {
    return q.query<MyOrgRow>('SELECT o.id, o.name, o.require_mfa, o.created_at, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name', [userId]);
  },
  async anyOwner(q: Queryable): Promise<boolean> {
    return (await q.query("SELECT 1 FROM memberships WHERE role = 'owner' LIMIT 1")).length > 0;
  },
};

export const invitesRepo = {
  async insert(q: Queryable, i: { tokenHash: string; id: string; orgId: string; email: string; role: Role; invitedBy: string; expiresAt: Date }): Promise<InviteRow> {
    return (
      await q.query<InviteRow>('INSERT INTO invites (token_hash, id, org_id, email, role, invited_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *', [
        i.tokenHash,
        i.id,
        i.orgId,
        i.email,
        i.role,
        i.invitedBy,
        i.expiresAt,
      ])
    )[0]!;
  },
  async listPending(q: Queryable, orgId: string): Promise<InviteRow[]> {
    return q.query<InviteRow>('SELECT * FROM invites WHERE org_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at DESC', [orgId]);
  },
  async revoke(q: Queryable, orgId: string, id: string): Promise<boolean> {
    return (await q.query('UPDATE invites SET revoked_at = now() WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id', [orgId, id])).length === 1;
  },
  /**
   * Accepts a live invite once, for the address it was sent to. The token is the only key
   * the invitee has: the org is found from it, never from the caller.
   */
  async consume(q: Queryable, tokenHash: string, email: string): Promise<InviteRow | undefined> {
    return (
      await q.query<InviteRow>(
        'UPDATE invites SET accepted_at = now() WHERE token_hash = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING *',
        [tokenHash, email],
      )
    )[0];
  },
};

export const apiKeysRepo = {
  async insert(q: Queryable, k: { id: string; orgId: string; name: string; role: Role; hash: string; prefix: string; createdBy: string; expiresAt: Date | null }): Promise<ApiKeyRow> {
    return (
      await q.query<ApiKeyRow>('INSERT INTO api_keys (id, org_id, name, role, key_hash, prefix, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *', [
        k.id,
        k.orgId,
        k.name,
        k.role,
        k.hash,
        k.prefix,
        k.createdBy,
        k.expiresAt,
      ])
    )[0]!;
  },
  async list(q: Queryable, orgId: string): Promise<ApiKeyRow[]> {
    return q.query<ApiKeyRow>('SELECT * FROM api_keys WHERE org_id = $1 ORDER BY created_at DESC', [orgId]);
  },
  async revoke(q: Queryable, orgId: string, id: string): Promise<boolean> {
    return (await q.query('UPDATE api_keys SET revoked_at = now() WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id', [orgId, id])).length === 1;
  },
  /** The live key behind a hash (any org: the key itself says which org it belongs to). */
  async byHash(q: Queryable, hash: string): Promise<ApiKeyRow | undefined> {
    return (await q.query<ApiKeyRow>('SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())', [hash]))[0];
  },
  async touch(q: Queryable, orgId: string, id: string): Promise<void> {
    await q.query('UPDATE api_keys SET last_used_at = now() WHERE org_id = $1 AND id = $2', [orgId, id]);
  },
};
