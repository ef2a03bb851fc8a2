/** A request's states. `pending` is the only one that changes; all others are final. */
export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'failed';
export const FINAL_STATES: readonly ApprovalState[] = ['approved', 'denied', 'expired', 'cancelled', 'failed'];

/** What a person may decide. */
export type ApprovalAction = 'approve' | 'approve_session' | 'deny' | 'always_allow';

/** Where a decision or a view came from. */
/** Where a decision came from; `elicitation` is the agent's own client (weaker: the requester answers). */
export type ApprovalChannel = 'web' | 'api' | 'slack' | 'telegram' | 'elicitation' | 'system';

export interface ApprovalReason {
  rule: string;
  message: string;
}

/** One approval request as stored (secrets in `arguments` already redacted). */
export interface ApprovalRequest {
  id: string;
  orgId: string;
  callId: string;
  callHash: string;
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  agentId: string;
  agentName: string;
  requesterUserId: string | null;
  sessionId: string | null;
  risk: number | null;
  reasons: ApprovalReason[];
  policyRule: string | null;
  policyReason: string | null;
  requiredApprovals: number;
  approvals: number;
  state: ApprovalState;
  scope: 'once' | 'session' | null;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedChannel: ApprovalChannel | null;
  decisionReason: string | null;
  instanceId: string;
  refs: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
  escalateAt: string | null;
  escalatedAt: string | null;
  decidedAt: string | null;
}

/** The person (or system) acting on a request. `id` is a FlowLink user id (never a chat display name). */
export interface ApprovalActor {
  type: 'user' | 'api_key' | 'system';
  id: string;
  name: string;
}
