import type { Queryable } from '../../store/store.ts';
import type { ProviderId } from './provider.ts';

export interface IdentityRow {
  id: string;
  user_id: string;
  provider: ProviderId;
  subject: string;
  email: string | null;
  login: string;
  linked_via: 'sign-up' | 'email' | 'account';
  created_at: Date;
  last_used_at: Date | null;
}

export type FlowPurpose = 'sign-in' | 'link';

export interface StateRow {
  state_hash: string;
  nonce_hash: string;
  provider: ProviderId;
  purpose: FlowPurpose;
  code_verifier: string;
  user_id: string | null;
  session_id: string | null;
  invite_hash: string | null;
  expires_at: Date;
}

/**
 * Linked identities belong to one user each: every function that reads or changes a
 * user's identities takes the userId and puts it in the WHERE clause.
 */
export const identitiesRepo = {
  async bySubject(q: Queryable, provider: ProviderId, subject: string): Promise<IdentityRow | undefined> {
    return (await q.query<IdentityRow>('SELECT * FROM user_identities WHERE provider = $1 AND subject = $2', [provider, subject]))[0];
  },
  async insert(q: Queryable, r: { id: string; userId: string; provider: ProviderId; subject: string; email: string | null; login: string; linkedVia: IdentityRow['linked_via'] }): Promise<IdentityRow> {
    return (
      await q.query<IdentityRow>(
        'INSERT INTO user_identities (id, user_id, provider, subject, email, login, linked_via, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING *',
        [r.id, r.userId, r.provider, r.subject, r.email, r.login.slice(0, 256), r.linkedVia],
      )
    )[0]!;
  },
  async listForUser(q: Queryable, userId: string): Promise<IdentityRow[]> {
    return q.query<IdentityRow>('SELECT * FROM user_identities WHERE user_id = $1 ORDER BY created_at', [userId]);
  },
  async touch(q: Queryable, userId: string, id: string): Promise<void> {
    await q.query('UPDATE user_identities SET last_used_at = now() WHERE user_id = $1 AND id = $2', [userId, id]);
  },
  async remove(q: Queryable, userId: string, id: string): Promise<IdentityRow | undefined> {
    return (await q.query<IdentityRow>('DELETE FROM user_identities WHERE user_id = $1 AND id = $2 RETURNING *', [userId, id]))[0];
  },
};

export const statesRepo = {
  async insert(q: Queryable, r: Omit<StateRow, 'expires_at'> & { expiresAt: Date }): Promise<void> {
    // Expired rows of earlier flows go with each new one, so the table stays small without a job.
    await q.query('DELETE FROM oauth_states WHERE expires_at < now()');
    await q.query(
      'INSERT INTO oauth_states (state_hash, nonce_hash, provider, purpose, code_verifier, user_id, session_id, invite_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [r.state_hash, r.nonce_hash, r.provider, r.purpose, r.code_verifier, r.user_id, r.session_id, r.invite_hash, r.expiresAt],
    );
  },
  /** Marks a live state used and returns it; a second use, or an expired state, finds nothing. */
  async consume(q: Queryable, stateHash: string, provider: ProviderId): Promise<StateRow | undefined> {
    return (
      await q.query<StateRow>('UPDATE oauth_states SET used_at = now() WHERE state_hash = $1 AND provider = $2 AND used_at IS NULL AND expires_at > now() RETURNING *', [stateHash, provider])
    )[0];
  },
};
