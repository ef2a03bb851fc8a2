import type { Queryable } from '../store/store.ts';
import type { Severity } from './types.ts';
import type { OrgRuleSetting } from './org-rules.ts';

interface Row {
  scope: 'pack' | 'rule';
  name: string;
  enabled: boolean | null;
  severity: Severity | null;
}

export const orgRulesRepo = {
  async list(q: Queryable, orgId: string): Promise<OrgRuleSetting[]> {
    const rows = await q.query<Row>('SELECT scope, name, enabled, severity FROM shield_org_rules WHERE org_id = $1 ORDER BY scope, name', [orgId]);
    return rows.map((r) => ({ scope: r.scope, name: r.name, enabled: r.enabled, severity: r.severity }));
  },
  async upsert(q: Queryable, orgId: string, s: OrgRuleSetting, actor: string): Promise<void> {
    await q.query(
      `INSERT INTO shield_org_rules (org_id, scope, name, enabled, severity, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, scope, name) DO UPDATE SET enabled = EXCLUDED.enabled, severity = EXCLUDED.severity, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [orgId, s.scope, s.name, s.enabled, s.severity, actor],
    );
  },
  async remove(q: Queryable, orgId: string, scope: 'pack' | 'rule', name: string): Promise<boolean> {
    return (await q.query('DELETE FROM shield_org_rules WHERE org_id = $1 AND scope = $2 AND name = $3 RETURNING name', [orgId, scope, name])).length > 0;
  },
};
