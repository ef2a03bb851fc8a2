/**
 * Turns reasons into a risk score, a severity and a verdict. The strongest reason sets
 * the base; further serious reasons and a flagged session add to it. Reasons marked
 * fail-closed (parse errors, limits, internal errors) never let a call through as allow.
 */
import { SEVERITIES, type Severity, type ShieldReason, type Thresholds, type Verdict } from './types.ts';

export const SEVERITY_SCORE: Record<Severity, number> = { info: 0, low: 20, medium: 50, high: 70, critical: 90 };
export const DEFAULT_THRESHOLDS: Thresholds = { approve: 40, block: 80 };

export function severityFromRisk(risk: number): Severity {
  if (risk >= 90) return 'critical';
  if (risk >= 70) return 'high';
  if (risk >= 40) return 'medium';
  if (risk >= 15) return 'low';
  return 'info';
}

export function maxSeverity(list: Severity[]): Severity {
  let best = 0;
  for (const s of list) best = Math.max(best, SEVERITIES.indexOf(s));
  return SEVERITIES[best]!;
}

export function isFailClosed(r: ShieldReason): boolean {
  return r.rule.startsWith('shield.') || r.rule.endsWith('.parse-error');
}

export function score(reasons: ShieldReason[], thresholds: Thresholds, sessionRisk = 0): { risk: number; severity: Severity; verdict: Verdict } {
  const scores = reasons.map((r) => SEVERITY_SCORE[r.severity]).sort((a, b) => b - a);
  const base = scores[0] ?? 0;
  const serious = scores.slice(1).filter((s) => s >= SEVERITY_SCORE.medium).length;
  const session = Math.max(0, Math.min(100, sessionRisk));
  const raw = base + Math.min(10, serious * 5) + (base >= SEVERITY_SCORE.low ? session : session / 2);
  const risk = Math.round(Math.min(100, raw));
  let verdict: Verdict = risk >= thresholds.block ? 'block' : risk >= thresholds.approve ? 'approve' : 'allow';
  if (verdict === 'allow' && reasons.some(isFailClosed)) verdict = 'approve';
  const severity = maxSeverity([severityFromRisk(risk), ...reasons.map((r) => r.severity)]);
  return { risk, severity, verdict };
}
