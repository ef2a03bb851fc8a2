import type { Queryable } from '../../store/store.ts';

export interface ClientRow {
  client_id: string;
  name: string;
  redirect_uris: string[];
  metadata: Record<string, unknown>;
  created_at: Date;
}

export interface GrantRow {
  id: string;
  org_id: string;
  user_id: string;
  client_id: string;
  agent_id: string;
  scope: string;
  revoked_at: Date | null;
}

export interface CodeRow {
  code_hash: string;
  org_id: string;
  grant_id: string;
  family_id: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  resource: string;
  expires_at: Date;
  used_at: Date | null;
}

export interface TokenRow {
  token_hash: string;
  id: string;
  org_id: string;
  kind: 'access' | 'refresh';
  grant_id: string;
  family_id: string;
  client_id: string;
  agent_id: string;
  scope: string;
  resource: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

/** Registered (RFC 7591) clients: installation-wide, like the client_id URLs they stand beside. */
export const clientsRepo = {
  async insert(q: Queryable, c: { clientId: string; name: string; redirectUris: string[]; metadata: Record<string, unknown> }): Promise<void> {
    await q.query('INSERT INTO oauth_clients (client_id, name, redirect_uris, metadata) VALUES ($1, $2, $3, $4)', [c.clientId, c.name, JSON.stringify(c.redirectUris), JSON.stringify(c.metadata)]);
  },
  async get(q: Queryable, clientId: string): Promise<ClientRow | undefined> {
    return (await q.query<ClientRow>('SELECT * FROM oauth_clients WHERE client_id = $1', [clientId]))[0];
  },
};

export const grantsRepo = {
  async live(q: Queryable, orgId: string, userId: string, clientId: string): Promise<GrantRow | undefined> {
    return (await q.query<GrantRow>('SELECT * FROM oauth_grants WHERE org_id = $1 AND user_id = $2 AND client_id = $3 AND revoked_at IS NULL', [orgId, userId, clientId]))[0];
  },
  async get(q: Queryable, orgId: string, id: string): Promise<GrantRow | undefined> {
    return (await q.query<GrantRow>('SELECT * FROM oauth_grants WHERE org_id = $1 AND id = $2', [orgId, id]))[0];
  },
  async insert(q: Queryable, g: { id: string; orgId: string; userId: string; clientId: string; agentId: string; scope: string }): Promise<void> {
    await q.query('INSERT INTO oauth_grants (id, org_id, user_id, client_id, agent_id, scope) VALUES ($1, $2, $3, $4, $5, $6)', [g.id, g.orgId, g.userId, g.clientId, g.agentId, g.scope]);
  },
  async update(q: Queryable, orgId: string, id: string, set: { agentId: string; scope: string }): Promise<void> {
    await q.query('UPDATE oauth_grants SET agent_id = $3, scope = $4, updated_at = now() WHERE org_id = $1 AND id = $2', [orgId, id, set.agentId, set.scope]);
  },
  async list(q: Queryable, orgId: string): Promise<GrantRow[]> {
    return q.query<GrantRow>('SELECT * FROM oauth_grants WHERE org_id = $1 AND revoked_at IS NULL ORDER BY created_at', [orgId]);
  },
  async revoke(q: Queryable, orgId: string, id: string): Promise<boolean> {
    const r = await q.query('UPDATE oauth_grants SET revoked_at = now() WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id', [orgId, id]);
    return r.length > 0;
  },
};

export const codesRepo = {
  async insert(q: Queryable, c: Omit<CodeRow, 'used_at'>): Promise<void> {
    await q.query(
      'INSERT INTO oauth_codes (code_hash, org_id, grant_id, family_id, client_id, redirect_uri, code_challenge, scope, resource, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [c.code_hash, c.org_id, c.grant_id, c.family_id, c.client_id, c.redirect_uri, c.code_challenge, c.scope, c.resource, c.expires_at],
    );
  },
  /** Single use: the first caller marks it used; anyone later sees used_at set. The org is unknown until the code is found. */
  async consume(q: Queryable, hash: string): Promise<{ row: CodeRow; first: boolean } | undefined> {
    const first = (await q.query<CodeRow>('UPDATE oauth_codes SET used_at = now() WHERE code_hash = $1 AND used_at IS NULL RETURNING *', [hash]))[0];
    if (first) return { row: first, first: true };
    const again = (await q.query<CodeRow>('SELECT * FROM oauth_codes WHERE code_hash = $1', [hash]))[0];
    return again ? { row: again, first: false } : undefined;
  },
  async purgeExpired(q: Queryable): Promise<void> {
    await q.query("DELETE FROM oauth_codes WHERE expires_at < now() - interval '1 day'");
  },
};

export const tokensRepo = {
  async insert(q: Queryable, t: Omit<TokenRow, 'used_at' | 'revoked_at'>): Promise<void> {
    await q.query(
      'INSERT INTO oauth_tokens (token_hash, id, org_id, kind, grant_id, family_id, client_id, agent_id, scope, resource, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [t.token_hash, t.id, t.org_id, t.kind, t.grant_id, t.family_id, t.client_id, t.agent_id, t.scope, t.resource, t.expires_at],
    );
  },
  /** A live access token by its digest (the org is what the row says; callers compare nothing secret). */
  async liveAccess(q: Queryable, hash: string): Promise<TokenRow | undefined> {
    return (await q.query<TokenRow>("SELECT * FROM oauth_tokens WHERE token_hash = $1 AND kind = 'access' AND revoked_at IS NULL AND expires_at > now()", [hash]))[0];
  },
  async byHash(q: Queryable, hash: string): Promise<TokenRow | undefined> {
    return (await q.query<TokenRow>('SELECT * FROM oauth_tokens WHERE token_hash = $1', [hash]))[0];
  },
  /** Rotation: marks a live refresh token used; only one concurrent caller wins. */
  async useRefresh(q: Queryable, orgId: string, hash: string): Promise<boolean> {
    const r = await q.query("UPDATE oauth_tokens SET used_at = now() WHERE org_id = $1 AND token_hash = $2 AND kind = 'refresh' AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id", [orgId, hash]);
    return r.length > 0;
  },
  async revokeFamily(q: Queryable, orgId: string, familyId: string): Promise<number> {
    return (await q.query('UPDATE oauth_tokens SET revoked_at = now() WHERE org_id = $1 AND family_id = $2 AND revoked_at IS NULL RETURNING id', [orgId, familyId])).length;
  },
  async revokeOne(q: Queryable, orgId: string, hash: string): Promise<boolean> {
    return (await q.query('UPDATE oauth_tokens SET revoked_at = now() WHERE org_id = $1 AND token_hash = $2 AND revoked_at IS NULL RETURNING id', [orgId, hash])).length > 0;
  },
  /** Rows a day past expiry are of no use any more (reuse of an expired refresh token is refused anyway). */
  async purgeExpired(q: Queryable): Promise<void> {
    await q.query("DELETE FROM oauth_tokens WHERE expires_at < now() - interval '1 day'");
  },
  async revokeGrant(q: Queryable, orgId: string, grantId: string): Promise<number> {
    return (await q.query('UPDATE oauth_tokens SET revoked_at = now() WHERE org_id = $1 AND grant_id = $2 AND revoked_at IS NULL RETURNING id', [orgId, grantId])).length;
  },
};
