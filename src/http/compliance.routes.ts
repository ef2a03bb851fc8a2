import type { FastifyInstance } from 'fastify';
import type { ComplianceService, ReportFormat } from '../compliance/compliance.service.ts';
import { parseStandards } from '../compliance/compliance.service.ts';
import { summarize } from '../compliance/render/json.ts';
import { STANDARDS } from '../compliance/catalog/index.ts';
import { checkTitle } from '../compliance/checks.ts';
import { STANDARD_IDS, type Lang } from '../compliance/compliance.types.ts';
import { route, who, S } from './identity.kit.ts';

const orgParams = S.obj({ orgId: S.id }, ['orgId']);
const standardQ = S.str(80, { pattern: '^[a-z0-9,-]+$' });
const langQ = { type: 'string', enum: ['ru', 'en'] };

/**
 * Compliance reports for the console and automation: the catalog, scores, the full report
 * with evidence, and downloads (HTML, PDF, JSON). Each request evaluates the org's current
 * state; downloads are recorded as `report.generated` in the org's audit log.
 */
export function complianceRoutes(deps: { compliance: ComplianceService }) {
  const { compliance } = deps;
  return (api: FastifyInstance) => {
    const tags = ['compliance'];
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/compliance/standards', auth: { kind: 'org', perm: 'reports.read' }, tags, summary: 'The control catalog: standards, controls (ru/en titles) and the checks that evidence each',
      schema: { params: orgParams },
      async handler() {
        return {
          standards: STANDARD_IDS.map((id) => ({ id, title: STANDARDS[id].title, source: STANDARDS[id].source, controls: STANDARDS[id].controls })),
          checks: Object.fromEntries([...new Set(STANDARD_IDS.flatMap((id) => STANDARDS[id].controls.flatMap((c) => c.checks)))].map((c) => [c, checkTitle(c)])),
        };
      },
    });
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/compliance/summary', auth: { kind: 'org', perm: 'reports.read' }, tags, summary: "Scores per standard and every check's status, evaluated now",
      schema: { params: orgParams, querystring: S.obj({ standard: standardQ }) },
      async handler(req) {
        const { orgId } = who.actor(req);
        return summarize(await compliance.report(orgId, parseStandards((req.query as { standard?: string }).standard)));
      },
    });
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/compliance/report', auth: { kind: 'org', perm: 'reports.read' }, tags, summary: 'The full report: standards, controls with scores, checks with evidence and remediation (ru and en)',
      schema: { params: orgParams, querystring: S.obj({ standard: standardQ }) },
      async handler(req) {
        const { orgId } = who.actor(req);
        return compliance.report(orgId, parseStandards((req.query as { standard?: string }).standard));
      },
    });
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/compliance/report/download', auth: { kind: 'org', perm: 'reports.read' }, tags, summary: 'Download the report as HTML, PDF or JSON (recorded in the audit log)',
      schema: { params: orgParams, querystring: S.obj({ standard: standardQ, format: { type: 'string', enum: ['html', 'pdf', 'json'] }, lang: langQ }) },
      async handler(req, reply) {
        const actor = who.actor(req);
        const q = req.query as { standard?: string; format?: ReportFormat; lang?: Lang };
        const out = await compliance.generate(actor.orgId, { standards: parseStandards(q.standard), format: q.format ?? 'html', lang: q.lang ?? 'en', trigger: 'api', actor: actor.kind === 'user' ? { type: 'user', id: actor.id } : { type: 'system', id: `${actor.kind}:${actor.id}`.slice(0, 128) } });
        return reply.header('content-type', out.contentType).header('content-disposition', `attachment; filename="${out.filename}"`).header('cache-control', 'no-store').send(out.body);
      },
    });
  };
}
