import type { Queryable } from '../store/store.ts';
import type { ShieldReason, ToolDefinition } from './types.ts';

/** rejected: an admin refused the definition under review; blocked until the definition changes again. */
export type PinStatus = 'approved' | 'quarantined' | 'rejected';

export interface PinRow {
  org_id: string;
  server: string;
  tool: string;
  status: PinStatus;
  hash: string;
  definition: ToolDefinition;
  findings: ShieldReason[];
  pending_hash: string | null;
  pending_definition: ToolDefinition | null;
  pending_findings: ShieldReason[] | null;
  first_seen: Date;
  last_seen: Date;
  changed_at: Date | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
}

export const pinsRepo = {
  async forServer(q: Queryable, orgId: string, server: string): Promise<PinRow[]> {
    return q.query<PinRow>('SELECT * FROM tool_pins WHERE org_id = $1 AND server = $2', [orgId, server]);
  },
  async list(q: Queryable, orgId: string): Promise<PinRow[]> {
    return q.query<PinRow>('SELECT * FROM tool_pins WHERE org_id = $1 ORDER BY server, tool', [orgId]);
  },
  async get(q: Queryable, orgId: string, server: string, tool: string): Promise<PinRow | undefined> {
    return (await q.query<PinRow>('SELECT * FROM tool_pins WHERE org_id = $1 AND server = $2 AND tool = $3', [orgId, server, tool]))[0];
  },
  /** First sight. A concurrent first sight on another instance wins; the caller re-reads. */
  async insert(q: Queryable, p: { orgId: string; server: string; tool: string; status: PinStatus; hash: string; definition: ToolDefinition; findings: ShieldReason[] }): Promise<PinRow | undefined> {
    return (
      await q.query<PinRow>(
        `INSERT INTO tool_pins (org_id, server, tool, status, hash, definition, findings) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (org_id, server, tool) DO NOTHING RETURNING *`,
        [p.orgId, p.server, p.tool, p.status, p.hash, JSON.stringify(p.definition), JSON.stringify(p.findings)],
      )
    )[0];
  },
  /** A definition that differs from the pinned one: quarantine it until someone reviews it. */
  async quarantineChange(q: Queryable, p: { orgId: string; server: string; tool: string; hash: string; definition: ToolDefinition; findings: ShieldReason[] }): Promise<PinRow | undefined> {
    return (
      await q.query<PinRow>(
        `UPDATE tool_pins SET status = 'quarantined', pending_hash = $4, pending_definition = $5, pending_findings = $6, changed_at = now(), last_seen = now()
          WHERE org_id = $1 AND server = $2 AND tool = $3 AND (pending_hash IS DISTINCT FROM $4) RETURNING *`,
        [p.orgId, p.server, p.tool, p.hash, JSON.stringify(p.definition), JSON.stringify(p.findings)],
      )
    )[0];
  },
  /**
   * Approves the definition under review (or a tool quarantined at first sight) as the new pin.
   * With `expectHash`, only if that is still the definition under review (no second change since).
   */
  async approve(q: Queryable, orgId: string, server: string, tool: string, reviewer: string, expectHash?: string): Promise<PinRow | undefined> {
    return (
      await q.query<PinRow>(
        `UPDATE tool_pins SET status = 'approved',
            hash = COALESCE(pending_hash, hash), definition = COALESCE(pending_definition, definition), findings = COALESCE(pending_findings, findings),
            pending_hash = NULL, pending_definition = NULL, pending_findings = NULL, reviewed_by = $4, reviewed_at = now()
          WHERE org_id = $1 AND server = $2 AND tool = $3 AND ($5::text IS NULL OR (status <> 'approved' AND COALESCE(pending_hash, hash) = $5)) RETURNING *`,
        [orgId, server, tool, reviewer, expectHash ?? null],
      )
    )[0];
  },
  /** Refuses the definition under review: the tool stays blocked (and hidden) until its definition changes again. */
  async reject(q: Queryable, orgId: string, server: string, tool: string, reviewer: string, expectHash?: string): Promise<PinRow | undefined> {
    return (
      await q.query<PinRow>(
        `UPDATE tool_pins SET status = 'rejected', reviewed_by = $4, reviewed_at = now()
          WHERE org_id = $1 AND server = $2 AND tool = $3 AND status = 'quarantined' AND ($5::text IS NULL OR COALESCE(pending_hash, hash) = $5) RETURNING *`,
        [orgId, server, tool, reviewer, expectHash ?? null],
      )
    )[0];
  },
  async touch(q: Queryable, orgId: string, server: string, tools: string[]): Promise<void> {
    if (tools.length) await q.query('UPDATE tool_pins SET last_seen = now() WHERE org_id = $1 AND server = $2 AND tool = ANY($3)', [orgId, server, tools]);
  },
};
