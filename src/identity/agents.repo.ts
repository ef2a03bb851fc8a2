import type { Queryable } from '../store/store.ts';
import type { AgentScopes } from './scopes.ts';

export interface OrgRow {
  id: string;
  name: string;
  created_at: Date;
}

export interface AgentRow {
  id: string;
  org_id: string;
  name: string;
  labels: Record<string, string>;
  created_at: Date;
  revoked_at: Date | null;
  last_seen_at: Date | null;
  scopes: AgentScopes;
}

export interface AgentTokenRow {
  id: string | null;
  prefix: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export interface TokenMatch {
  agent_id: string;
  org_id: string;
  name: string;
  labels: Record<string, string>;
  expires_at: Date | null;
  scopes: AgentScopes;
}

export const orgsRepo = {
  async byName(q: Queryable, name: string): Promise<OrgRow | undefined> {
    return (await q.query<OrgRow>('SELECT * FROM orgs WHERE name = $1', [name]))[0];
  },
  async insert(q: Queryable, id: string, name: string): Promise<OrgRow> {
    return (await q.query<OrgRow>('INSERT INTO orgs (id, name) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING *', [id, name]))[0]!;
  },
};

export const agentsRepo = {
  async insert(q: Queryable, a: { id: string; orgId: string; name: string; labels: Record<string, string> }): Promise<AgentRow> {
    return (await q.query<AgentRow>('INSERT INTO agents (id, org_id, name, labels) VALUES ($1, $2, $3, $4) RETURNING *', [a.id, a.orgId, a.name, JSON.stringify(a.labels)]))[0]!;
  },
  async insertToken(q: Queryable, t: { hash: string; agentId: string; orgId: string; prefix: string; expiresAt: Date | null }): Promise<void> {
    await q.query('INSERT INTO agent_tokens (token_hash, agent_id, org_id, prefix, expires_at) VALUES ($1, $2, $3, $4, $5)', [t.hash, t.agentId, t.orgId, t.prefix, t.expiresAt]);
  },
  async list(q: Queryable, orgId: string): Promise<AgentRow[]> {
    return q.query<AgentRow>('SELECT * FROM agents WHERE org_id = $1 ORDER BY name', [orgId]);
  },
  async byName(q: Queryable, orgId: string, name: string): Promise<AgentRow | undefined> {
    return (await q.query<AgentRow>('SELECT * FROM agents WHERE org_id = $1 AND name = $2', [orgId, name]))[0];
  },
  /** Finds the live agent behind a token hash; revoked or expired tokens and agents match nothing. */
  async byTokenHash(q: Queryable, hash: string): Promise<TokenMatch | undefined> {
    return (
      await q.query<TokenMatch>(
        `SELECT a.id AS agent_id, a.org_id, a.name, a.labels, a.scopes, t.expires_at
           FROM agent_tokens t JOIN agents a ON a.id = t.agent_id AND a.org_id = t.org_id
          WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.revoked_at IS NULL
            AND (t.expires_at IS NULL OR t.expires_at > now())`,
        [hash],
      )
    )[0];
  },
  async revoke(q: Queryable, orgId: string, agentId: string): Promise<void> {
    await q.query('UPDATE agents SET revoked_at = now() WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL', [orgId, agentId]);
    await q.query('UPDATE agent_tokens SET revoked_at = now() WHERE org_id = $1 AND agent_id = $2 AND revoked_at IS NULL', [orgId, agentId]);
  },
  async byId(q: Queryable, orgId: string, id: string): Promise<AgentRow | undefined> {
    return (await q.query<AgentRow>('SELECT * FROM agents WHERE org_id = $1 AND id = $2', [orgId, id]))[0];
  },
  async setScopes(q: Queryable, orgId: string, id: string, scopes: AgentScopes): Promise<void> {
    await q.query('UPDATE agents SET scopes = $3 WHERE org_id = $1 AND id = $2', [orgId, id, JSON.stringify(scopes)]);
  },
  async insertTokenWithId(q: Queryable, t: { id: string; hash: string; agentId: string; orgId: string; prefix: string; expiresAt: Date | null }): Promise<void> {
    await q.query('INSERT INTO agent_tokens (id, token_hash, agent_id, org_id, prefix, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [t.id, t.hash, t.agentId, t.orgId, t.prefix, t.expiresAt]);
  },
  /** Rotation with overlap: the agent's live tokens stay valid until `until` at the latest. */
  async expireLiveTokens(q: Queryable, orgId: string, agentId: string, until: Date): Promise<void> {
    await q.query('UPDATE agent_tokens SET expires_at = LEAST(COALESCE(expires_at, $3), $3) WHERE org_id = $1 AND agent_id = $2 AND revoked_at IS NULL', [orgId, agentId, until]);
  },
  async tokens(q: Queryable, orgId: string, agentId: string): Promise<AgentTokenRow[]> {
    return q.query<AgentTokenRow>('SELECT id, prefix, created_at, expires_at, revoked_at FROM agent_tokens WHERE org_id = $1 AND agent_id = $2 ORDER BY created_at DESC', [orgId, agentId]);
  },
  /** "Last seen": written at most once a minute per agent, whichever instance saw it. */
  async touch(q: Queryable, orgId: string, agentIds: string[]): Promise<void> {
    if (agentIds.length) await q.query("UPDATE agents SET last_seen_at = now() WHERE org_id = $1 AND id = ANY($2) AND (last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute')", [orgId, agentIds]);
  },
};
