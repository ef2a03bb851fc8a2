import type { ComplianceReport } from '../compliance.types.ts';

/** The report as JSON (both languages carried in every text). */
export function renderJson(report: ComplianceReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** The scores only: what `--json` and the summary route print. */
export function summarize(report: ComplianceReport) {
  return {
    generated_at: report.generated_at,
    org: report.org,
    checkpoint: report.checkpoint,
    standards: report.standards.map((s) => ({ id: s.id, title: s.title, score: s.score, counts: s.counts })),
    checks: Object.values(report.checks).map((c) => ({ id: c.id, status: c.status })),
  };
}
