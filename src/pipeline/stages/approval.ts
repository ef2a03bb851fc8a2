import type { CallContext, Stage } from '../types.ts';
import type { ApprovalService } from '../../approvals/approvals.service.ts';
import { callHash } from '../../approvals/approvals.service.ts';
import { FlowLinkError } from '../../lib/errors.ts';
import type { ApprovalReason, ApprovalRequest } from '../../approvals/approvals.types.ts';

export interface ApprovalStageDeps {
  approvals: ApprovalService;
  /** What approvers see of the arguments (secret values redacted). */
  redact?: (args: Record<string, unknown>) => Record<string, unknown>;
  /** How often a waiting agent gets a progress notification (default 10 s). */
  progressIntervalMs?: number;
  /** Orgs that opted into asking through the agent's own client (MCP elicitation; a weaker channel). */
  askInClient?: (orgId: string) => boolean;
}

interface PolicyDecision {
  effect?: string;
  rule?: string | null;
  reason?: string | null;
  approvers?: number;
}

/**
 * Holds a call the policy stage marked `approve` until a person decides: creates the
 * request (bound to the hash of server, tool and arguments), keeps the agent's client
 * alive with progress notifications, then runs the call (approved), or stops it with the
 * approver's reason (denied), an expiry message, or a withdrawal when the agent cancels.
 */
export function createApprovalStage(deps: ApprovalStageDeps): Stage {
  const every = deps.progressIntervalMs ?? 10_000;
  return {
    name: 'approval',
    async run(ctx, next) {
      const policy = ctx.decision.policy as PolicyDecision | undefined;
      if (policy?.effect !== 'approve') return next();
      const { approvals } = deps;
      const granted = await approvals.sessionGranted(ctx.identity.orgId, ctx.session.id, ctx.server, ctx.tool);
      if (granted) {
        ctx.decision.approval = { state: 'approved', scope: 'session', request_id: granted };
        return next();
      }
      const shield = ctx.decision.shield as { risk?: number; reasons?: ApprovalReason[] } | undefined;
      const hash = callHash(ctx.server, ctx.tool, ctx.arguments);
      const req = await approvals.create({
        orgId: ctx.identity.orgId,
        callId: ctx.callId,
        server: ctx.server,
        tool: ctx.tool,
        arguments: ctx.arguments,
        shownArguments: deps.redact ? deps.redact(ctx.arguments) : ctx.arguments,
        agentId: ctx.identity.agentId,
        agentName: ctx.identity.agentName,
        requesterUserId: ctx.identity.labels.user ?? null,
        sessionId: ctx.session.id ?? null,
        risk: shield?.risk ?? null,
        reasons: (shield?.reasons ?? []).map((r) => ({ rule: String(r.rule).slice(0, 256), message: String(r.message).slice(0, 512) })),
        policyRule: policy.rule ?? null,
        policyReason: policy.reason ?? null,
        requiredApprovals: policy.approvers ?? 1,
      });
      ctx.decision.approval = { request_id: req.id, state: 'pending' };
      const waiting = `Waiting for human approval (request ${req.id}, expires ${req.expiresAt})`;
      // A 2026 agent with the Tasks extension gets a task to poll; the call waits on here.
      ctx.detach?.({ message: waiting, approvalId: req.id, expiresAt: req.expiresAt });
      if (ctx.ask && deps.askInClient?.(ctx.identity.orgId)) void askInClient(ctx.ask, approvals, req);
      let tick = 0;
      const ping = () => ctx.progress?.({ progress: ++tick, message: waiting });
      ping();
      const timer = setInterval(ping, every);
      timer.unref();
      let final;
      try {
        final = await approvals.wait(req.id, ctx.signal);
      } finally {
        clearInterval(timer);
      }
      ctx.decision.approval = { request_id: req.id, state: final.state, by: final.decidedBy, channel: final.decidedChannel, ...(final.scope ? { scope: final.scope } : {}) };
      const data = { request_id: req.id, state: final.state };
      switch (final.state) {
        case 'approved':
          // Replay protection: the approval is for the exact call that is now about to run.
          if (final.callHash !== hash || callHash(ctx.server, ctx.tool, ctx.arguments) !== hash) throw new FlowLinkError('denied', 'the approval does not match this call', data);
          return next();
        case 'denied':
          throw new FlowLinkError('denied', `Denied by ${final.decidedByName ?? 'an approver'}: ${final.decisionReason ?? 'no reason given'}`, data);
        case 'expired':
          throw new FlowLinkError('denied', `Approval request ${req.id} expired without a decision, so the call was denied`, data);
        case 'cancelled':
          throw new FlowLinkError('denied', `Approval request ${req.id} was withdrawn: the call was cancelled`, data);
        default:
          throw new FlowLinkError('shutting_down', `Approval request ${req.id} was closed: the FlowLink instance holding the call stopped`, data);
      }
    },
  };
}

/**
 * Asks the person at the agent's client through MCP elicitation. Whatever they answer is one
 * more channel racing the others (web, Slack, Telegram): the first final decision wins, and
 * an answer that arrives after it changes nothing.
 */
async function askInClient(ask: NonNullable<CallContext['ask']>, approvals: ApprovalService, req: ApprovalRequest): Promise<void> {
  const single = req.requiredApprovals <= 1;
  const res = await ask('elicitation/create', {
    mode: 'form',
    message:
      `FlowLink holds a call for approval: ${req.server} / ${req.tool}` +
      (req.risk !== null ? ` (risk ${req.risk})` : '') +
      (req.policyReason ? `. ${req.policyReason}` : '') +
      (single ? '' : `. It needs ${req.requiredApprovals} approvers in the FlowLink console; you can only decline it here.`),
    requestedSchema: {
      type: 'object',
      properties: {
        decision: { type: 'string', title: 'Decision', enum: single ? ['approve', 'deny'] : ['deny'], description: 'Approve runs the call once; deny stops it.' },
        reason: { type: 'string', title: 'Reason', maxLength: 500 },
      },
      required: ['decision'],
    },
  }).catch(() => undefined);
  if (!res || !('result' in res)) return;
  const r = res.result as { action?: string; content?: { decision?: unknown; reason?: unknown } };
  if (r.action === 'cancel') return; // dismissed: the other channels still decide
  const reason = typeof r.content?.reason === 'string' ? r.content.reason : undefined;
  const action = r.action === 'accept' && r.content?.decision === 'approve' ? 'approve' : 'deny';
  await approvals.decideInClient(req, action, reason ?? (r.action === 'decline' ? 'declined in the agent\'s client' : undefined)).catch(() => false);
}
