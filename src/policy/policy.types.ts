/** Plain data in and out of the policy engine: stored with calls, printed by the CLI, compared in tests. */
import type { ShieldVerdict } from '../shield/types.ts';
import type { Effect, TerminalEffect } from './policy.schema.ts';

export type { Effect, TerminalEffect };

/** Shield's verdict as the pipeline stores it (`ctx.decision.shield`); every part is optional on read. */
export type ShieldInput = Partial<Pick<ShieldVerdict, 'verdict' | 'risk' | 'severity' | 'reasons' | 'targets'>>;

export interface PolicyInput {
  /** Org id; `orgName` is matched too when given. */
  org: string;
  orgName?: string | undefined;
  agent: string;
  agentLabels?: Record<string, string> | undefined;
  server: string;
  tool: string;
  serverLabels?: Record<string, string> | undefined;
  arguments?: Record<string, unknown> | undefined;
  shield?: ShieldInput | undefined;
  /** Epoch ms of the call (time windows); defaults to the evaluation time. */
  now?: number | undefined;
}

export interface Considered {
  rule: string;
  matched: boolean;
}

export interface PolicyDecision {
  /** The policy's own effect (before combining with Shield). */
  effect: TerminalEffect;
  /** The deciding rule, or undefined when the default posture decided. */
  rule?: string | undefined;
  approvers?: number | undefined;
  /** Human-readable, first the decisive one. */
  reasons: string[];
  /** Audit-only rules that matched (recorded, never decisive). */
  audit: string[];
  /** Set when the deciding allow rule carries an exception for Shield rules. */
  exception?: { justification: string; shieldRules: string[] } | undefined;
  /** 'rule' or the posture that applied. */
  by: 'rule' | 'default';
  considered: Considered[];
}

export interface RuleExplanation {
  rule: string;
  priority: number;
  effect: Effect;
  /** Candidate for this server/tool in the index (rules outside it cannot match). */
  indexed: boolean;
  matched: boolean;
  /** One line per check: what was compared and how it came out. */
  checks: string[];
}

export interface Explanation {
  decision: PolicyDecision;
  posture: { value: 'allow' | 'deny'; why: string };
  facts: Facts;
  rules: RuleExplanation[];
}

/** What conditions look at, gathered once per call from the arguments and Shield's targets. */
export interface Facts {
  paths: string[];
  hosts: string[];
  namespaces: string[];
  sql: string[];
}
