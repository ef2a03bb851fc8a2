/**
 * Compliance reports: a catalog of controls per standard, each evidenced by checks; checks
 * are pure functions over one facts snapshot gathered per report (facts.ts).
 */
export type Lang = 'ru' | 'en';
export type Text = { ru: string; en: string };
export type CheckStatus = 'pass' | 'fail' | 'partial' | 'not_applicable';

export const STANDARD_IDS = ['soc2', 'owasp-mcp', 'gost-57580', 'fstec'] as const;
export type StandardId = (typeof STANDARD_IDS)[number];

export interface Control {
  id: string;
  title: Text;
  /** Check ids (checks.ts) whose results evidence this control. */
  checks: readonly CheckId[];
  /** How the control is mapped, when it is not a single measure of the standard (shown in the report). */
  note?: Text;
}

export interface Standard {
  id: StandardId;
  title: Text;
  /** Edition, and how confident the mapping is (shown on the cover). */
  source: Text;
  controls: readonly Control[];
}

export const CHECK_IDS = [
  'mfa.enforced',
  'mfa.members',
  'audit.chain',
  'audit.checkpoint',
  'shield.high-risk-gated',
  'shield.pinning',
  'policy.server-coverage',
  'agents.scoped-expiring',
  'agents.inactive',
  'apikeys.unused',
  'secrets.no-plaintext',
  'secrets.rotation',
  'retention.configured',
  'siem.delivering',
  'approvals.channels',
  'ratelimits.set',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** Evidence: numbers, ids, names, timestamps; never a secret value. */
export type Evidence = Record<string, string | number | boolean | null | undefined | readonly (string | number)[]>;

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  title: Text;
  /** One line saying what was found. */
  summary: Text;
  evidence: Evidence;
  /** What to do when the check does not pass (empty when it passes). */
  remediation: Text;
}

export interface ControlResult {
  id: string;
  title: Text;
  note?: Text;
  status: CheckStatus;
  /** 0–100, or null when no check applies. */
  score: number | null;
  checks: CheckId[];
}

export interface StandardResult {
  id: StandardId;
  title: Text;
  source: Text;
  score: number | null;
  counts: Record<CheckStatus, number>;
  controls: ControlResult[];
}

export interface ReportCheckpoint {
  seq: number;
  hash: string;
  ts: string;
  key_id: string;
}

export interface ComplianceReport {
  format: 'flowlink-compliance-report';
  version: 1;
  generated_at: string;
  org: { id: string; name: string };
  /** The signed audit checkpoint the report was generated against (null: the org has none yet). */
  checkpoint: ReportCheckpoint | null;
  /** The audit log's head when the facts were gathered. */
  audit_head: { seq: number; hash: string } | null;
  standards: StandardResult[];
  checks: Record<string, CheckResult>;
}
