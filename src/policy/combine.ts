/**
 * How a policy decision and Shield's verdict make the final decision (docs/policy.md):
 * the strictest of the two wins (deny > approve > allow; Shield's block is deny). The
 * only way to go below Shield is an allow rule with an `exception`: Shield's reasons
 * whose rule ids the exception names are waived and the risk is re-scored without
 * them; fail-closed reasons (shield.*, *.parse-error) are never waived. A waiver is
 * returned so the caller records it with the call.
 */
import { compileGlobs } from './glob.ts';
import { DEFAULT_THRESHOLDS, isFailClosed, score } from '../shield/scoring.ts';
import type { ShieldReason, Thresholds } from '../shield/types.ts';
import type { PolicyDecision, ShieldInput, TerminalEffect } from './policy.types.ts';

export interface FinalDecision {
  effect: TerminalEffect;
  /** Which side set the final effect ('both' when they agree). */
  by: 'policy' | 'shield' | 'both';
  policy: TerminalEffect;
  shield: TerminalEffect | undefined;
  /** Present when an exception waived Shield reasons. */
  waived?: { rule: string; justification: string; shieldRules: string[]; shieldBefore: TerminalEffect; shieldAfter: TerminalEffect } | undefined;
}

const RANK: Record<TerminalEffect, number> = { allow: 1, approve: 2, deny: 3 };

export function shieldEffect(verdict: ShieldInput['verdict']): TerminalEffect | undefined {
  return verdict === 'block' ? 'deny' : verdict === 'approve' ? 'approve' : verdict === 'allow' ? 'allow' : undefined;
}

export function strictest(a: TerminalEffect, b: TerminalEffect | undefined): TerminalEffect {
  return b !== undefined && RANK[b] > RANK[a] ? b : a;
}

export function combine(policy: PolicyDecision, shield: ShieldInput | undefined, thresholds: Thresholds = DEFAULT_THRESHOLDS): FinalDecision {
  let s = shieldEffect(shield?.verdict);
  let waived: FinalDecision['waived'];
  if (policy.effect === 'allow' && policy.exception && policy.rule && s !== undefined && s !== 'allow') {
    const m = compileGlobs(policy.exception.shieldRules);
    const reasons: ShieldReason[] = shield?.reasons ?? [];
    const waivable = reasons.filter((r) => m(r.rule) && !isFailClosed(r));
    if (waivable.length) {
      const rest = reasons.filter((r) => !waivable.includes(r));
      // Risk the reasons alone do not explain came from the session (after an injection); it stays.
      const sessionPart = Math.max(0, (shield?.risk ?? 0) - score(reasons, thresholds).risk);
      const residual = score(rest, thresholds);
      const risk = Math.min(100, residual.risk + sessionPart);
      let after: TerminalEffect = risk >= thresholds.block ? 'deny' : risk >= thresholds.approve ? 'approve' : 'allow';
      if (rest.some(isFailClosed)) after = strictest(after, 'approve');
      after = RANK[after] < RANK[s] ? after : s;
      waived = { rule: policy.rule, justification: policy.exception.justification, shieldRules: waivable.map((r) => r.rule), shieldBefore: s, shieldAfter: after };
      s = after;
    }
  }
  const effect = strictest(policy.effect, s);
  const by = s === undefined || RANK[policy.effect] > RANK[s] ? 'policy' : RANK[s] > RANK[policy.effect] ? 'shield' : 'both';
  return { effect, by, policy: policy.effect, shield: s, ...(waived ? { waived } : {}) };
}
