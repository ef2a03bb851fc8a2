import type { Queryable } from '../store/store.ts';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  email_verified: boolean;
  totp_secret: string | null;
  totp_enabled: boolean;
  totp_last_step: number;
  created_at: Date;
  password_changed_at: Date | null;
}

/** `mfa`: password accepted, second factor pending (only the 2FA step is allowed). */
export type SessionState = 'active' | 'mfa';

export interface SessionRow {
  token_hash: string;
  id: string;
  user_id: string;
  state: SessionState;
  csrf_token: string;
  ip: string;
  user_agent: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export const usersRepo = {
  async insert(q: Queryable, u: { id: string; email: string; name: string; passwordHash: string | null }): Promise<UserRow> {
    return (await q.query<UserRow>('INSERT INTO users (id, email, name, password_hash, password_changed_at) VALUES ($1, $2, $3, $4, now()) RETURNING *', [u.id, u.email, u.name, u.passwordHash]))[0]!;
  },
  async byEmail(q: Queryable, email: string): Promise<UserRow | undefined> {
    return (await q.query<UserRow>('SELECT * FROM users WHERE email = $1', [email]))[0];
  },
  async byId(q: Queryable, id: string): Promise<UserRow | undefined> {
    return (await q.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]))[0];
  },
  async count(q: Queryable): Promise<number> {
    return Number((await q.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0]!.n);
  },
  async setPassword(q: Queryable, id: string, hash: string): Promise<void> {
    await q.query('UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1', [id, hash]);
  },
  async setTotpSecret(q: Queryable, id: string, secret: string | null): Promise<void> {
    await q.query('UPDATE users SET totp_secret = $2, totp_enabled = false WHERE id = $1', [id, secret]);
  },
  async enableTotp(q: Queryable, id: string, step: number): Promise<void> {
    await q.query('UPDATE users SET totp_enabled = true, totp_last_step = $2 WHERE id = $1', [id, step]);
  },
  async disableTotp(q: Queryable, id: string): Promise<void> {
    await q.query('UPDATE users SET totp_enabled = false, totp_secret = NULL WHERE id = $1', [id]);
    await q.query('DELETE FROM recovery_codes WHERE user_id = $1', [id]);
  },
  /** Records an accepted TOTP step; false when a concurrent request used this step (or a later one) first. */
  async claimTotpStep(q: Queryable, id: string, step: number): Promise<boolean> {
    return (await q.query('UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2 RETURNING id', [id, step])).length === 1;
  },
};

export const sessionsRepo = {
  async insert(q: Queryable, s: { tokenHash: string; id: string; userId: string; state: SessionState; csrf: string; ip: string; userAgent: string; expiresAt: Date }): Promise<SessionRow> {
    return (
      await q.query<SessionRow>(
        'INSERT INTO user_sessions (token_hash, id, user_id, state, csrf_token, ip, user_agent, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
        [s.tokenHash, s.id, s.userId, s.state, s.csrf, s.ip, s.userAgent, s.expiresAt],
      )
    )[0]!;
  },
  /** The live session behind a cookie; revoked and expired ones match nothing. */
  async byTokenHash(q: Queryable, hash: string): Promise<SessionRow | undefined> {
    return (await q.query<SessionRow>('SELECT * FROM user_sessions WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()', [hash], { name: 'fl_session_by_hash' }))[0];
  },
  async listLive(q: Queryable, userId: string): Promise<SessionRow[]> {
    return q.query<SessionRow>("SELECT * FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() AND state = 'active' ORDER BY created_at DESC", [userId]);
  },
  async touch(q: Queryable, userId: string, id: string): Promise<void> {
    await q.query('UPDATE user_sessions SET last_seen_at = now() WHERE user_id = $1 AND id = $2', [userId, id]);
  },
  /** Revokes one of the user's own sessions; false when there is no such live session for this user. */
  async revoke(q: Queryable, userId: string, id: string): Promise<boolean> {
    return (await q.query('UPDATE user_sessions SET revoked_at = now() WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id', [userId, id])).length === 1;
  },
  async revokeAll(q: Queryable, userId: string, exceptId?: string): Promise<void> {
    await q.query('UPDATE user_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND id <> $2', [userId, exceptId ?? '']);
  },
};

export const recoveryRepo = {
  async replace(q: Queryable, userId: string, hashes: string[]): Promise<void> {
    await q.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
    for (const h of hashes) await q.query('INSERT INTO recovery_codes (code_hash, user_id) VALUES ($1, $2)', [h, userId]);
  },
  /** Uses a recovery code once; false when unknown or already used. */
  async consume(q: Queryable, userId: string, hash: string): Promise<boolean> {
    return (await q.query('UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING code_hash', [userId, hash])).length === 1;
  },
  async remaining(q: Queryable, userId: string): Promise<number> {
    return Number((await q.query<{ n: number }>('SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL', [userId]))[0]!.n);
  },
};

export const resetsRepo = {
  async insert(q: Queryable, r: { tokenHash: string; userId: string; expiresAt: Date }): Promise<void> {
    await q.query('INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [r.tokenHash, r.userId, r.expiresAt]);
  },
  /** Marks a live reset token used and returns its user; a second use, or an expired token, finds nothing. */
  async consume(q: Queryable, tokenHash: string): Promise<string | undefined> {
    return (await q.query<{ user_id: string }>('UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id', [tokenHash]))[0]?.user_id;
  },
  async invalidateAll(q: Queryable, userId: string): Promise<void> {
    await q.query('UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL', [userId]);
  },
};

export const throttleRepo = {
  async lockedUntil(q: Queryable, keys: string[]): Promise<Date | undefined> {
    const rows = await q.query<{ locked_until: Date }>('SELECT locked_until FROM auth_throttle WHERE key = ANY($1) AND locked_until > now() ORDER BY locked_until DESC LIMIT 1', [keys]);
    return rows[0]?.locked_until;
  },
  /**
   * Counts one failure for `key` in a fixed window and locks the key when it reaches
   * `limit`. One statement, so concurrent failures cannot slip past the count.
   */
  async fail(q: Queryable, key: string, limit: number, windowS: number, lockS: number): Promise<void> {
    await q.query(
      `INSERT INTO auth_throttle AS t (key, failures, window_start) VALUES ($1, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
         window_start = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN now() ELSE t.window_start END`,
      [key, windowS],
    );
    await q.query('UPDATE auth_throttle SET locked_until = now() + make_interval(secs => $3), failures = 0, window_start = now() WHERE key = $1 AND failures >= $2', [key, limit, lockS]);
  },
  async clear(q: Queryable, key: string): Promise<void> {
    await q.query('DELETE FROM auth_throttle WHERE key = $1', [key]);
  },
};
