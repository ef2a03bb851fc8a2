import type { Stage } from '../types.ts';
import { FlowLinkError } from '../../lib/errors.ts';
import type { ShieldVerdict } from '../../shield/index.ts';

function topReason(v: ShieldVerdict): string {
  const r = v.reasons[0];
  return r ? `${r.rule}: ${r.message}${r.match ? ` (matched "${r.match.slice(0, 120)}")` : ''}` : 'no reason given';
}

/**
 * Enforces the verdicts recorded by the stages before it (Shield today; policy joins it).
 * The agent gets a JSON-RPC error that names the rule and why, so a well-behaved agent
 * can explain it to its user or choose another way.
 */
export const decideStage: Stage = {
  name: 'decide',
  async run(ctx, next) {
    const shield = ctx.decision.shield as ShieldVerdict | undefined;
    if (shield?.verdict === 'block') {
      throw new FlowLinkError('denied', `Blocked by FlowLink Shield (risk ${shield.risk}, ${shield.severity}): ${topReason(shield)}`, { rule: shield.reasons[0]?.rule, risk: shield.risk, reasons: shield.reasons });
    }
    if (shield?.verdict === 'approve') {
      // Until an approval channel exists (approval queue), a call that needs a human does not run.
      throw new FlowLinkError('approval_required', `Needs human approval (risk ${shield.risk}, ${shield.severity}): ${topReason(shield)}. No approval channel is configured, so the call was not run.`, { rule: shield.reasons[0]?.rule, risk: shield.risk, reasons: shield.reasons });
    }
    return next();
  },
};
