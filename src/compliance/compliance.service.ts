/**
 * Compliance reports for one org: gather facts once, run the checks, score, render.
 * Every generated report (download, CLI, schedule) is recorded as `report.generated`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { Logger } from '../lib/logger.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { orgsRepo } from '../identity/agents.repo.ts';
import type { ComplianceReport, Lang, StandardId } from './compliance.types.ts';
import { STANDARD_IDS } from './compliance.types.ts';
import { gatherFacts, type FactsDeps } from './facts.ts';
import { buildReport } from './evaluate.ts';
import { renderJson } from './render/json.ts';
import { renderHtml } from './render/html.ts';
import type { PdfEngine } from './render/pdf.ts';
import type { ComplianceConfig } from './compliance.config.ts';
import { startSchedule } from './schedule.ts';
import { scheduleRepo } from './schedule.repo.ts';
import { randomId } from '../lib/secure-compare.ts';

export type ReportFormat = 'html' | 'pdf' | 'json';
export interface Rendered {
  body: string | Buffer;
  contentType: string;
  filename: string;
}

/** Names this process in scheduled_runs. */
const INSTANCE = `${process.pid}-${randomId()}`;
const CONTENT_TYPE: Record<ReportFormat, string> = { html: 'text/html; charset=utf-8', pdf: 'application/pdf', json: 'application/json; charset=utf-8' };

/** "all" or one standard id, as the CLI and API take it. */
export function parseStandards(v: string | undefined): StandardId[] {
  if (v === undefined || v === 'all') return [...STANDARD_IDS];
  const ids = v.split(',').map((s) => s.trim());
  const bad = ids.filter((s) => !(STANDARD_IDS as readonly string[]).includes(s));
  if (bad.length || !ids.length) throw new FlowLinkError('invalid_params', `unknown standard "${bad.join(',').slice(0, 60)}": use ${STANDARD_IDS.join(', ')} or all`);
  return ids as StandardId[];
}

export function createComplianceService(deps: { facts: FactsDeps; pdf: PdfEngine; audit?: AuditWriter | undefined; logger?: Logger }) {
  async function report(orgId: string, standards: readonly StandardId[] = STANDARD_IDS): Promise<ComplianceReport> {
    return buildReport(await gatherFacts(deps.facts, orgId), standards);
  }

  async function render(r: ComplianceReport, format: ReportFormat, lang: Lang): Promise<Rendered> {
    const stamp = r.generated_at.replace(/[:.]/g, '-');
    const filename = `flowlink-compliance-${r.org.name.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}-${lang}.${format}`;
    const body = format === 'json' ? renderJson(r) : format === 'html' ? renderHtml(r, lang) : await deps.pdf.render(renderHtml(r, lang));
    return { body, contentType: CONTENT_TYPE[format], filename };
  }

  async function recordGenerated(r: ComplianceReport, format: ReportFormat, lang: Lang, trigger: 'api' | 'cli' | 'schedule', actor: { type: 'user' | 'system'; id: string | null }) {
    await deps.audit?.append({
      orgId: r.org.id,
      kind: 'report.generated',
      actor,
      outcome: 'success',
      data: { standards: r.standards.map((s) => s.id), format, lang, trigger, scores: Object.fromEntries(r.standards.map((s) => [s.id, s.score])), checkpoint_seq: r.checkpoint?.seq ?? null },
    });
  }

  /** One report in one format, recorded in the org's audit log. */
  async function generate(orgId: string, o: { standards?: readonly StandardId[]; format: ReportFormat; lang: Lang; trigger: 'api' | 'cli' | 'schedule'; actor: { type: 'user' | 'system'; id: string | null } }): Promise<Rendered> {
    const r = await report(orgId, o.standards);
    const out = await render(r, o.format, o.lang);
    await recordGenerated(r, o.format, o.lang, o.trigger, o.actor);
    return out;
  }

  /** Writes one report per configured org and format into the folder. */
  async function writeScheduled(cfg: ComplianceConfig, baseDir: string): Promise<string[]> {
    const dir = resolve(baseDir, cfg.dir);
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    const written: string[] = [];
    for (const name of cfg.orgs) {
      const org = await orgsRepo.byName(deps.facts.store, name);
      if (!org) {
        deps.logger?.warn({ org: name }, 'scheduled compliance report: no such org');
        continue;
      }
      const r = await report(org.id, cfg.standards);
      for (const format of cfg.formats) {
        const out = await render(r, format, cfg.lang);
        const file = join(dir, out.filename);
        writeFileSync(file, out.body, { mode: 0o640 });
        await recordGenerated(r, format, cfg.lang, 'schedule', { type: 'system', id: 'compliance-schedule' });
        written.push(file);
      }
    }
    return written;
  }

  return {
    report,
    render,
    generate,
    recordGenerated,
    writeScheduled,
    /** Starts the `compliance.schedule`, when one is configured. */
    schedule(cfg: ComplianceConfig | undefined, baseDir: string) {
      if (!cfg?.schedule) return undefined;
      return startSchedule(cfg.schedule, async () => void (await writeScheduled(cfg, baseDir)), {
        onError: (err) => deps.logger?.error({ err: (err as Error).message }, 'scheduled compliance report failed'),
        claim: (slot) => scheduleRepo.claim(deps.facts.store, 'compliance-report', slot, INSTANCE),
      });
    },
  };
}

export type ComplianceService = ReturnType<typeof createComplianceService>;
