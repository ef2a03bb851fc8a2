/**
 * Pure evaluation over a compiled policy. The first matching rule in compiled order
 * (priority, then deny > approve > allow) decides; audit-only rules that match are
 * recorded and never decide; with no decisive match the default posture applies.
 */
import { agentGroups, posture, scopeMiss, type CompiledPolicy, type CompiledRule } from './compile.ts';
import { EvalContext } from './conditions.ts';
import type { Considered, Explanation, PolicyDecision, PolicyInput, RuleExplanation } from './policy.types.ts';

function ruleMatches(c: CompiledPolicy, r: CompiledRule, ctx: EvalContext, groupsOf: () => Set<string>): boolean {
  // Candidates come from the index with their server and tool scope already checked.
  if (scopeMiss(c, r, ctx.input, groupsOf, true) !== undefined) return false;
  for (const cond of r.conditions) if (!cond.test(ctx)) return false;
  return true;
}

function reasonOf(r: CompiledRule): string {
  return r.source.reason ?? r.source.description ?? `rule "${r.id}" (${r.effect})`;
}

function decisionFrom(r: CompiledRule, audit: string[], considered: Considered[]): PolicyDecision {
  const s = r.source;
  return {
    effect: r.effect === 'audit' ? 'allow' : r.effect,
    rule: r.id,
    ...(s.approvers !== undefined ? { approvers: s.approvers } : {}),
    reasons: [reasonOf(r)],
    audit,
    ...(s.exception ? { exception: { justification: s.exception.justification, shieldRules: s.exception.shieldRules } } : {}),
    by: 'rule',
    considered,
  };
}

export function evaluate(c: CompiledPolicy, input: PolicyInput, now: number = Date.now()): PolicyDecision {
  const ctx = new EvalContext(input, now);
  let groups: Set<string> | undefined;
  const groupsOf = () => (groups ??= agentGroups(c, input.agent, input.agentLabels));
  const considered: Considered[] = [];
  const audit: string[] = [];
  let decided: CompiledRule | undefined;
  for (const r of c.candidates(input.server, input.tool)) {
    // Once decided, only audit-only rules are still of interest (they are all recorded).
    if (decided && r.effect !== 'audit') continue;
    const matched = ruleMatches(c, r, ctx, groupsOf);
    considered.push({ rule: r.id, matched });
    if (!matched) continue;
    if (r.effect === 'audit') audit.push(r.id);
    else decided = r;
  }
  if (decided) return decisionFrom(decided, audit, considered);
  const p = posture(c, input);
  return { effect: p.value, reasons: [p.why], audit, by: 'default', considered };
}

/** Every rule of the set, in evaluation order, with each check and its outcome. */
export function explain(c: CompiledPolicy, input: PolicyInput, now: number = Date.now()): Explanation {
  const decision = evaluate(c, input, now);
  const ctx = new EvalContext(input, now);
  const groups = agentGroups(c, input.agent, input.agentLabels);
  const indexed = new Set(c.candidates(input.server, input.tool));
  const rules: RuleExplanation[] = c.rules.map((r) => {
    const checks: string[] = [];
    const miss = scopeMiss(c, r, input, () => groups);
    let matched = miss === undefined;
    if (miss !== undefined) checks.push(`scope: ${miss}`);
    else {
      checks.push('scope: matches');
      for (const cond of r.conditions) {
        const ok = cond.test(ctx);
        checks.push(`${ok ? 'holds' : 'fails'}: ${cond.show(ctx)}`);
        if (!ok) matched = false;
      }
    }
    if (matched) {
      if (r.effect === 'audit') checks.push('audit-only: recorded, does not decide');
      else if (decision.rule === r.id) checks.push('decides the call');
      else checks.push(decision.rule ? `shadowed by "${decision.rule}" (earlier in order)` : 'matched');
    }
    return { rule: r.id, priority: r.priority, effect: r.effect, indexed: indexed.has(r), matched, checks };
  });
  return { decision, posture: posture(c, input), facts: ctx.facts, rules };
}
