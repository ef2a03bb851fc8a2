/**
 * Scores: a check counts 1 (pass), 0.5 (partial) or 0 (fail); not-applicable checks do not
 * count. A control's score is the mean of its applicable checks (0–100); a standard's is
 * the mean of its applicable controls. Pure.
 */
import type { CheckId, CheckResult, CheckStatus, ComplianceReport, StandardId, StandardResult } from './compliance.types.ts';
import { CHECK_IDS } from './compliance.types.ts';
import type { ComplianceFacts } from './facts.types.ts';
import { STANDARDS } from './catalog/index.ts';
import { runChecks } from './checks.ts';

const WEIGHT: Record<Exclude<CheckStatus, 'not_applicable'>, number> = { pass: 1, partial: 0.5, fail: 0 };

function statusOf(statuses: CheckStatus[]): CheckStatus {
  const applicable = statuses.filter((s) => s !== 'not_applicable');
  if (!applicable.length) return 'not_applicable';
  if (applicable.every((s) => s === 'pass')) return 'pass';
  if (applicable.every((s) => s === 'fail')) return 'fail';
  return 'partial';
}

function mean(xs: number[]): number | null {
  return xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : null;
}

export function scoreStandard(id: StandardId, checks: Record<string, CheckResult>): StandardResult {
  const std = STANDARDS[id];
  const counts: Record<CheckStatus, number> = { pass: 0, partial: 0, fail: 0, not_applicable: 0 };
  const controls = std.controls.map((c) => {
    const statuses = c.checks.map((k) => checks[k]!.status);
    const weights = statuses.filter((s): s is Exclude<CheckStatus, 'not_applicable'> => s !== 'not_applicable').map((s) => WEIGHT[s] * 100);
    const status = statusOf(statuses);
    counts[status]++;
    return { id: c.id, title: c.title, ...(c.note ? { note: c.note } : {}), status, score: mean(weights), checks: [...c.checks] };
  });
  return { id, title: std.title, source: std.source, score: mean(controls.map((c) => c.score).filter((s): s is number => s !== null)), counts, controls };
}

export function buildReport(facts: ComplianceFacts, standards: readonly StandardId[]): ComplianceReport {
  const wanted = new Set<CheckId>(standards.flatMap((s) => STANDARDS[s].controls.flatMap((c) => c.checks)));
  const checks = runChecks(facts, CHECK_IDS.filter((c) => wanted.has(c)));
  return {
    format: 'flowlink-compliance-report',
    version: 1,
    generated_at: facts.now,
    org: { id: facts.org.id, name: facts.org.name },
    checkpoint: facts.audit.checkpoint,
    audit_head: facts.audit.head,
    standards: standards.map((s) => scoreStandard(s, checks)),
    checks,
  };
}
