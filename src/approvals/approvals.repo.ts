import type { Queryable } from '../store/store.ts';
import type { ApprovalRequest, ApprovalState } from './approvals.types.ts';

/** The approvals module's SQL: only this file touches its tables. */
type Row = Record<string, unknown>;
const iso = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

function toRequest(r: Row): ApprovalRequest {
  return {
    id: String(r.id),
    orgId: String(r.org_id),
    callId: String(r.call_id),
    callHash: String(r.call_hash),
    server: String(r.server),
    tool: String(r.tool),
    arguments: r.arguments as Record<string, unknown>,
    agentId: String(r.agent_id),
    agentName: String(r.agent_name),
    requesterUserId: (r.requester_user_id as string | null) ?? null,
    sessionId: (r.session_id as string | null) ?? null,
    risk: r.risk === null || r.risk === undefined ? null : Number(r.risk),
    reasons: (r.reasons ?? []) as ApprovalRequest['reasons'],
    policyRule: (r.policy_rule as string | null) ?? null,
    policyReason: (r.policy_reason as string | null) ?? null,
    requiredApprovals: Number(r.required_approvals),
    approvals: Number(r.approvals ?? 0),
    state: r.state as ApprovalState,
    scope: (r.scope as ApprovalRequest['scope']) ?? null,
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedByName: (r.decided_by_name as string | null) ?? null,
    decidedChannel: (r.decided_channel as ApprovalRequest['decidedChannel']) ?? null,
    decisionReason: (r.decision_reason as string | null) ?? null,
    instanceId: String(r.instance_id),
    refs: (r.refs ?? {}) as Record<string, unknown>,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at)!,
    escalateAt: iso(r.escalate_at),
    escalatedAt: iso(r.escalated_at),
    decidedAt: iso(r.decided_at),
  };
}

const SELECT = `SELECT r.*, (SELECT count(*) FROM approval_votes v WHERE v.request_id = r.id AND v.vote = 'approve')::int AS approvals FROM approval_requests r`;

/** A request to insert: the stored shape's own fields, with times as Dates. */
export type NewRequest = Pick<
  ApprovalRequest,
  'id' | 'orgId' | 'callId' | 'callHash' | 'server' | 'tool' | 'arguments' | 'agentId' | 'agentName' | 'requesterUserId' | 'sessionId' | 'risk' | 'reasons' | 'policyRule' | 'policyReason' | 'requiredApprovals' | 'instanceId'
> & { expiresAt: Date; escalateAt: Date | null };

export interface HistoryRow {
  id: string;
  tool: string;
  server: string;
  status: string;
  startedAt: string;
  arguments: unknown;
}

export const approvalsRepo = {
  async insert(q: Queryable, r: NewRequest): Promise<void> {
    await q.query(
      `INSERT INTO approval_requests (id, org_id, call_id, call_hash, server, tool, arguments, agent_id, agent_name, requester_user_id, session_id, risk, reasons,
         policy_rule, policy_reason, required_approvals, state, instance_id, expires_at, escalate_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,'pending',$17,$18,$19)`,
      [r.id, r.orgId, r.callId, r.callHash, r.server, r.tool, JSON.stringify(r.arguments), r.agentId, r.agentName, r.requesterUserId, r.sessionId, r.risk, JSON.stringify(r.reasons),
        r.policyRule, r.policyReason, r.requiredApprovals, r.instanceId, r.expiresAt.toISOString(), r.escalateAt?.toISOString() ?? null],
    );
  },

  async get(q: Queryable, id: string, orgId?: string): Promise<ApprovalRequest | undefined> {
    const rows = await q.query(`${SELECT} WHERE r.id = $1${orgId ? ' AND r.org_id = $2' : ''}`, orgId ? [id, orgId] : [id]);
    return rows[0] ? toRequest(rows[0]) : undefined;
  },

  /** Locks the row for a decision (FOR UPDATE): concurrent votes on one request are serialized. */
  async lock(q: Queryable, id: string): Promise<ApprovalRequest | undefined> {
    const rows = await q.query(`SELECT r.*, 0 AS approvals FROM approval_requests r WHERE r.id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toRequest(rows[0]) : undefined;
  },

  async list(q: Queryable, orgId: string, opts: { state?: ApprovalState | undefined; limit: number; before?: string | undefined }): Promise<ApprovalRequest[]> {
    const params: unknown[] = [orgId];
    let where = 'r.org_id = $1';
    if (opts.state) {
      params.push(opts.state);
      where += ` AND r.state = $${params.length}`;
    }
    if (opts.before) {
      params.push(opts.before);
      where += ` AND r.created_at < $${params.length}`;
    }
    params.push(opts.limit);
    return (await q.query(`${SELECT} WHERE ${where} ORDER BY r.created_at DESC LIMIT $${params.length}`, params)).map(toRequest);
  },

  async addVote(q: Queryable, v: { requestId: string; userId: string; vote: 'approve' | 'deny'; channel: string; reason: string | null }): Promise<boolean> {
    const rows = await q.query(
      `INSERT INTO approval_votes (request_id, user_id, vote, channel, reason) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (request_id, user_id) DO NOTHING RETURNING user_id`,
      [v.requestId, v.userId, v.vote, v.channel, v.reason],
    );
    return rows.length === 1;
  },

  async countApprovals(q: Queryable, requestId: string): Promise<number> {
    const rows = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM approval_votes WHERE request_id = $1 AND vote = 'approve'`, [requestId]);
    return Number(rows[0]?.n ?? 0);
  },

  /** Moves a pending request to a final state; returns false if it was no longer pending (someone else finished it). */
  async finish(q: Queryable, id: string, f: { state: ApprovalState; scope?: 'once' | 'session' | null; by?: string | null; byName?: string | null; channel?: string | null; reason?: string | null; at: Date }): Promise<boolean> {
    const rows = await q.query(
      `UPDATE approval_requests SET state = $2, scope = $3, decided_by = $4, decided_by_name = $5, decided_channel = $6, decision_reason = $7, decided_at = $8
       WHERE id = $1 AND state = 'pending' RETURNING id`,
      [id, f.state, f.scope ?? null, f.by ?? null, f.byName ?? null, f.channel ?? null, f.reason ?? null, f.at.toISOString()],
    );
    return rows.length === 1;
  },

  async setRefs(q: Queryable, id: string, channel: string, ref: unknown): Promise<void> {
    await q.query(`UPDATE approval_requests SET refs = refs || jsonb_build_object($2::text, $3::jsonb) WHERE id = $1`, [id, channel, JSON.stringify(ref)]);
  },

  async markEscalated(q: Queryable, id: string, at: Date): Promise<boolean> {
    return (await q.query(`UPDATE approval_requests SET escalated_at = $2 WHERE id = $1 AND state = 'pending' AND escalated_at IS NULL RETURNING id`, [id, at.toISOString()])).length === 1;
  },

  /** Pending requests that are due (expired, or to escalate) among those this instance holds. */
  async due(q: Queryable, instanceId: string, now: Date): Promise<ApprovalRequest[]> {
    return (await q.query(`${SELECT} WHERE r.state = 'pending' AND r.instance_id = $1 AND (r.expires_at <= $2 OR (r.escalate_at <= $2 AND r.escalated_at IS NULL))`, [instanceId, now.toISOString()])).map(toRequest);
  },

  /** Pending requests held by instances that are gone: not this one, and silent since `cutoff` (or never registered). */
  async orphaned(q: Queryable, selfId: string, cutoff: Date): Promise<ApprovalRequest[]> {
    return (
      await q.query(
        `${SELECT} WHERE r.state = 'pending' AND r.instance_id <> $1
           AND NOT EXISTS (SELECT 1 FROM approval_instances i WHERE i.id = r.instance_id AND i.heartbeat_at >= $2)`,
        [selfId, cutoff.toISOString()],
      )
    ).map(toRequest);
  },

  async heldBy(q: Queryable, instanceId: string): Promise<string[]> {
    return (await q.query<{ id: string }>(`SELECT id FROM approval_requests WHERE state = 'pending' AND instance_id = $1`, [instanceId])).map((r) => r.id);
  },

  async heartbeat(q: Queryable, instanceId: string, now: Date): Promise<void> {
    await q.query(`INSERT INTO approval_instances (id, heartbeat_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at`, [instanceId, now.toISOString()]);
  },

  async removeInstance(q: Queryable, instanceId: string): Promise<void> {
    await q.query(`DELETE FROM approval_instances WHERE id = $1`, [instanceId]);
  },

  async grantSession(q: Queryable, g: { orgId: string; sessionId: string; server: string; tool: string; requestId: string; by: string }): Promise<void> {
    await q.query(
      `INSERT INTO approval_session_grants (org_id, session_id, server, tool, request_id, granted_by) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (org_id, session_id, server, tool) DO UPDATE SET request_id = EXCLUDED.request_id, granted_by = EXCLUDED.granted_by`,
      [g.orgId, g.sessionId, g.server, g.tool, g.requestId, g.by],
    );
  },

  async sessionGrant(q: Queryable, orgId: string, sessionId: string, server: string, tool: string): Promise<{ request_id: string } | undefined> {
    return (await q.query<{ request_id: string }>(`SELECT request_id FROM approval_session_grants WHERE org_id = $1 AND session_id = $2 AND server = $3 AND tool = $4`, [orgId, sessionId, server, tool]))[0];
  },

  async suggestRule(q: Queryable, r: { id: string; orgId: string; requestId: string; rule: unknown; by: string }): Promise<void> {
    await q.query(`INSERT INTO approval_suggested_rules (id, org_id, request_id, rule, suggested_by) VALUES ($1,$2,$3,$4,$5)`, [r.id, r.orgId, r.requestId, JSON.stringify(r.rule), r.by]);
  },

  async suggestedRules(q: Queryable, orgId: string): Promise<{ id: string; request_id: string; rule: unknown; suggested_by: string; status: string; created_at: unknown }[]> {
    return q.query(`SELECT id, request_id, rule, suggested_by, status, created_at FROM approval_suggested_rules WHERE org_id = $1 ORDER BY created_at DESC LIMIT 200`, [orgId]);
  },

  /**
   * The session's recent calls, read-only from the audit module's `calls` table (command
   * history), shown to approvers next to a request. Read here rather than through the
   * audit module because it is one narrow, read-only query the approval view needs.
   */
  async sessionHistory(q: Queryable, orgId: string, sessionId: string | null, agentId: string, limit = 20): Promise<HistoryRow[]> {
    const rows = sessionId
      ? await q.query(`SELECT id, server, tool, status, started_at, arguments FROM calls WHERE org_id = $1 AND session_id = $2 ORDER BY started_at DESC LIMIT $3`, [orgId, sessionId, limit])
      : await q.query(`SELECT id, server, tool, status, started_at, arguments FROM calls WHERE org_id = $1 AND agent_id = $2 ORDER BY started_at DESC LIMIT $3`, [orgId, agentId, limit]);
    return rows.map((r) => ({ id: String(r.id), server: String(r.server), tool: String(r.tool), status: String(r.status), startedAt: iso(r.started_at)!, arguments: r.arguments }));
  },
};

export const linksRepo = {
  async link(q: Queryable, l: { orgId: string; provider: string; externalId: string; userId: string; by: string }): Promise<void> {
    await q.query(
      `INSERT INTO chat_links (org_id, provider, external_id, user_id, created_by) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (org_id, provider, external_id) DO UPDATE SET user_id = EXCLUDED.user_id, created_by = EXCLUDED.created_by, created_at = now()`,
      [l.orgId, l.provider, l.externalId, l.userId, l.by],
    );
  },
  async unlink(q: Queryable, orgId: string, provider: string, externalId: string): Promise<boolean> {
    return (await q.query(`DELETE FROM chat_links WHERE org_id = $1 AND provider = $2 AND external_id = $3 RETURNING user_id`, [orgId, provider, externalId])).length === 1;
  },
  async userFor(q: Queryable, orgId: string, provider: string, externalId: string): Promise<string | undefined> {
    return (await q.query<{ user_id: string }>(`SELECT user_id FROM chat_links WHERE org_id = $1 AND provider = $2 AND external_id = $3`, [orgId, provider, externalId]))[0]?.user_id;
  },
  async list(q: Queryable, orgId: string): Promise<{ provider: string; external_id: string; user_id: string; created_by: string; created_at: unknown }[]> {
    return q.query(`SELECT provider, external_id, user_id, created_by, created_at FROM chat_links WHERE org_id = $1 ORDER BY created_at`, [orgId]);
  },
  async addCode(q: Queryable, c: { hash: string; orgId: string; provider: string; userId: string; expiresAt: Date }): Promise<void> {
    await q.query(`INSERT INTO chat_link_codes (code_hash, org_id, provider, user_id, expires_at) VALUES ($1,$2,$3,$4,$5)`, [c.hash, c.orgId, c.provider, c.userId, c.expiresAt.toISOString()]);
  },
  /** Uses a code once: returns its org and user if it was unused and unexpired. */
  async useCode(q: Queryable, hash: string, provider: string, now: Date): Promise<{ org_id: string; user_id: string } | undefined> {
    return (
      await q.query<{ org_id: string; user_id: string }>(
        `UPDATE chat_link_codes SET used_at = $3 WHERE code_hash = $1 AND provider = $2 AND used_at IS NULL AND expires_at > $3 RETURNING org_id, user_id`,
        [hash, provider, now.toISOString()],
      )
    )[0];
  },
};
