import type { Queryable } from '../store/store.ts';

export interface GrantRow {
  id: string;
  org_id: string;
  secret: string;
  agents: string[];
  agent_labels: Record<string, string>;
  servers: string[];
  tools: string[];
  note: string;
  created_at: Date;
  created_by: string;
}

/** The org's grants (secret_grants). Every statement carries the org id. */
export const grantsRepo = {
  async list(q: Queryable, orgId: string): Promise<GrantRow[]> {
    return q.query<GrantRow>('SELECT id, org_id, secret, agents, agent_labels, servers, tools, note, created_at, created_by FROM secret_grants WHERE org_id = $1 ORDER BY created_at, id', [orgId], { name: 'secrets_grants_list' });
  },
  async get(q: Queryable, orgId: string, id: string): Promise<GrantRow | undefined> {
    return (await q.query<GrantRow>('SELECT id, org_id, secret, agents, agent_labels, servers, tools, note, created_at, created_by FROM secret_grants WHERE org_id = $1 AND id = $2', [orgId, id]))[0];
  },
  async count(q: Queryable, orgId: string): Promise<number> {
    return (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM secret_grants WHERE org_id = $1', [orgId]))[0]?.n ?? 0;
  },
  async insert(q: Queryable, r: Omit<GrantRow, 'created_at'>): Promise<GrantRow> {
    return (
      await q.query<GrantRow>(
        'INSERT INTO secret_grants (id, org_id, secret, agents, agent_labels, servers, tools, note, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, org_id, secret, agents, agent_labels, servers, tools, note, created_at, created_by',
        [r.id, r.org_id, r.secret, JSON.stringify(r.agents), JSON.stringify(r.agent_labels), JSON.stringify(r.servers), JSON.stringify(r.tools), r.note, r.created_by],
      )
    )[0]!;
  },
  async remove(q: Queryable, orgId: string, id: string): Promise<GrantRow | undefined> {
    return (await q.query<GrantRow>('DELETE FROM secret_grants WHERE org_id = $1 AND id = $2 RETURNING id, org_id, secret, agents, agent_labels, servers, tools, note, created_at, created_by', [orgId, id]))[0];
  },
};
