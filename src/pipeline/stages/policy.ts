import type { Stage } from '../types.ts';
import type { ActivePolicy } from '../../policy/policy.service.ts';
import { evaluate } from '../../policy/evaluate.ts';
import { combine } from '../../policy/combine.ts';
import type { ShieldInput } from '../../policy/policy.types.ts';
import type { Thresholds } from '../../shield/types.ts';
import { FlowLinkError } from '../../lib/errors.ts';

export interface PolicyStageDeps {
  /** The active policy set (PolicyService.current); read once per call, so a reload never splits a call. */
  current: () => Pick<ActivePolicy, 'compiled' | 'version'>;
  serverLabels: (server: string) => Record<string, string> | undefined;
  orgName?: (orgId: string) => string | undefined;
  /** Shield's thresholds, to re-score after an exception waives Shield rules. */
  shieldThresholds?: Thresholds;
  clock?: () => number;
  /** true once an approval stage follows: an approve decision is recorded and passed on instead of refused. */
  deferApprovals?: boolean;
}

/**
 * Decides who may call what: evaluates the policy set, combines it with the Shield
 * verdict recorded by the Shield stage before it (strictest wins; an allow rule's
 * exception may waive named Shield rules), records both in `decision.policy`, and
 * stops denied calls and calls that need a human.
 */
export function createPolicyStage(deps: PolicyStageDeps): Stage {
  const clock = deps.clock ?? Date.now;
  return {
    name: 'policy',
    async run(ctx, next) {
      const active = deps.current();
      const shield = ctx.decision.shield as ShieldInput | undefined;
      const d = evaluate(active.compiled, {
        org: ctx.identity.orgId,
        orgName: deps.orgName?.(ctx.identity.orgId),
        agent: ctx.identity.agentName,
        agentLabels: ctx.identity.labels,
        server: ctx.server,
        tool: ctx.tool,
        serverLabels: deps.serverLabels(ctx.server),
        arguments: ctx.arguments,
        shield,
      }, clock());
      const final = combine(d, shield, deps.shieldThresholds);
      ctx.decision.policy = {
        effect: final.effect,
        by: final.by,
        policyEffect: d.effect,
        rule: d.rule ?? null,
        reason: d.reasons[0] ?? null,
        version: active.version,
        ...(d.approvers !== undefined ? { approvers: d.approvers } : {}),
        ...(d.audit.length ? { audit: d.audit } : {}),
        ...(final.waived ? { exception: final.waived } : {}),
      };
      const rule = d.rule ?? null;
      if (final.effect === 'allow' || (final.effect === 'approve' && deps.deferApprovals)) return next();
      if (final.by === 'shield') {
        // Shield alone set the outcome: say so in Shield's words (same wording as the decide stage).
        const top = shield?.reasons?.[0];
        const why = top ? `${top.rule}: ${top.message}${top.match ? ` (matched "${top.match.slice(0, 120)}")` : ''}` : 'no reason given';
        const data = { rule: top?.rule ?? null, by: 'shield', risk: shield?.risk, reasons: shield?.reasons };
        if (final.effect === 'deny') throw new FlowLinkError('denied', `Blocked by FlowLink Shield (risk ${shield?.risk}, ${shield?.severity}): ${why}`, data);
        throw new FlowLinkError('approval_required', `Needs human approval (risk ${shield?.risk}, ${shield?.severity}): ${why}. No approval channel is configured, so the call was not run.`, data);
      }
      const why = d.reasons[0] ?? '';
      if (final.effect === 'deny') throw new FlowLinkError('denied', rule ? `Denied by policy "${rule}": ${why}` : `Denied by policy (${why})`, { rule, by: final.by });
      throw new FlowLinkError('approval_required', rule ? `Approval required by policy "${rule}": ${why}` : `Approval required by policy (${why})`, { rule, by: final.by, ...(d.approvers !== undefined ? { approvers: d.approvers } : {}) });
    },
  };
}
