/**
 * Simulation: replays recorded calls against a candidate policy set and reports how the
 * final decisions (policy combined with the Shield verdict recorded with each call)
 * would change against a baseline. The baseline is the active policy set evaluated the
 * same way, so both sides see identical inputs; a call recorded without a Shield
 * verdict is judged on policy alone.
 */
import type { CompiledPolicy } from './compile.ts';
import { evaluate } from './evaluate.ts';
import { combine, type FinalDecision } from './combine.ts';
import type { PolicyInput, ShieldInput, TerminalEffect } from './policy.types.ts';
import type { Thresholds } from '../shield/types.ts';

export interface RecordedCall {
  id: string;
  org: string;
  orgName?: string | undefined;
  agent: string;
  agentLabels?: Record<string, string> | undefined;
  server: string;
  tool: string;
  serverLabels?: Record<string, string> | undefined;
  arguments: Record<string, unknown>;
  at: number;
  /** As stored in calls.decision.shield. */
  shield?: ShieldInput | undefined;
}

export interface DecisionChange {
  call: string;
  agent: string;
  server: string;
  tool: string;
  at: string;
  before: TerminalEffect;
  after: TerminalEffect;
  beforeRule?: string | undefined;
  afterRule?: string | undefined;
  reason: string;
}

export interface SimulationResult {
  total: number;
  unchanged: number;
  /** Was allowed or needed approval, now denied. */
  newlyBlocked: DecisionChange[];
  /** Was denied or needed approval, now allowed. */
  newlyAllowed: DecisionChange[];
  /** Was allowed or denied, now needs approval. */
  needsApproval: DecisionChange[];
  /** Calls whose final decision did not change but whose deciding rule did. */
  ruleChanged: number;
}

function judge(c: CompiledPolicy, call: RecordedCall, thresholds: Thresholds | undefined): { final: FinalDecision; rule: string | undefined; reason: string } {
  const input: PolicyInput = { org: call.org, orgName: call.orgName, agent: call.agent, agentLabels: call.agentLabels, server: call.server, tool: call.tool, serverLabels: call.serverLabels, arguments: call.arguments, shield: call.shield, now: call.at };
  const d = evaluate(c, input, call.at);
  const final = combine(d, call.shield, thresholds);
  const reason = final.by === 'shield' ? `Shield ${call.shield?.verdict} (risk ${call.shield?.risk ?? '?'})` : d.reasons[0] ?? '';
  return { final, rule: d.rule, reason };
}

export function simulate(candidate: CompiledPolicy, baseline: CompiledPolicy, calls: readonly RecordedCall[], opts: { thresholds?: Thresholds } = {}): SimulationResult {
  const out: SimulationResult = { total: calls.length, unchanged: 0, newlyBlocked: [], newlyAllowed: [], needsApproval: [], ruleChanged: 0 };
  for (const call of calls) {
    const a = judge(baseline, call, opts.thresholds);
    const b = judge(candidate, call, opts.thresholds);
    if (a.final.effect === b.final.effect) {
      out.unchanged++;
      if (a.rule !== b.rule) out.ruleChanged++;
      continue;
    }
    const change: DecisionChange = {
      call: call.id,
      agent: call.agent,
      server: call.server,
      tool: call.tool,
      at: new Date(call.at).toISOString(),
      before: a.final.effect,
      after: b.final.effect,
      beforeRule: a.rule,
      afterRule: b.rule,
      reason: b.reason,
    };
    if (b.final.effect === 'deny') out.newlyBlocked.push(change);
    else if (b.final.effect === 'allow') out.newlyAllowed.push(change);
    else out.needsApproval.push(change);
  }
  return out;
}

/** Maps a row of the calls table (with the agent's labels joined in) to a simulation input. */
export function toRecordedCall(
  row: { id: string; org_id: string; agent_name: string | null; agent_labels: Record<string, string> | null; server: string; tool: string; arguments: Record<string, unknown> | null; started_at: Date | string; decision: Record<string, unknown> | null },
  serverLabels: (server: string) => Record<string, string> | undefined,
  orgName?: string,
): RecordedCall {
  const shield = row.decision?.shield;
  return {
    id: row.id,
    org: row.org_id,
    orgName,
    agent: row.agent_name ?? '',
    agentLabels: row.agent_labels ?? undefined,
    server: row.server,
    tool: row.tool,
    serverLabels: serverLabels(row.server),
    arguments: row.arguments ?? {},
    at: new Date(row.started_at).getTime(),
    shield: shield && typeof shield === 'object' ? (shield as ShieldInput) : undefined,
  };
}
