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
      const why = final.by === 'shield' ? `Shield ${shield?.verdict ?? ''} (risk ${shield?.risk ?? '?'}${shield?.reasons?.[0] ? `, ${shield.reasons[0].rule}` : ''})` : (d.reasons[0] ?? '');
      if (final.effect === 'deny') {
        throw new FlowLinkError('denied', final.by === 'shield' ? `Denied by ${why}` : rule ? `Denied by policy "${rule}": ${why}` : `Denied by policy (${why})`, { rule, by: final.by });
      }
      if (final.effect === 'approve' && !deps.deferApprovals) {
        throw new FlowLinkError('approval_required', rule && final.by !== 'shield' ? `Approval required by policy "${rule}": ${why}` : `Approval required: ${why}`, { rule, by: final.by, ...(d.approvers !== undefined ? { approvers: d.approvers } : {}) });
      }
      return next();
    },
  };
}
