import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditWriter, AuditEventInput } from '../audit/audit.writer.ts';
import type { ShieldEngine, ShieldCall, ToolDefinition } from '../shield/index.ts';
import type { PinService } from '../shield/pins.service.ts';
import type { PinRow, PinStatus } from '../shield/pins.repo.ts';
import type { OrgRules } from '../shield/org-rules.service.ts';
import type { Severity } from '../shield/types.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/secure-compare.ts';
import { route, who, S } from './identity.kit.ts';

const orgParams = S.obj({ orgId: S.id }, ['orgId']);
const SEVERITY = { type: 'string', enum: ['info', 'low', 'medium', 'high', 'critical'] };
const ruleName = { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9_.-]+$' };
const serverName = { type: 'string', maxLength: 63, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' };
const toolName = { type: 'string', minLength: 1, maxLength: 256 };
const hash = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const MAX_INPUT = 100_000;

/** The audit actor for an API caller: a person, or an org API key (recorded as such). */
export function auditActor(req: FastifyRequest): AuditEventInput['actor'] {
  const a = who.actor(req);
  return { type: 'user', id: a.kind === 'user' ? a.id : `api_key:${a.id}` };
}

export function pinView(r: PinRow) {
  const review: 'changed' | 'flagged' | null = r.status === 'approved' ? null : r.pending_hash ? 'changed' : 'flagged';
  return {
    server: r.server,
    tool: r.tool,
    status: r.status,
    /** Why it waits (or waited, when rejected): its definition changed since approval (rug pull), or it was flagged at first sight. */
    review,
    hash: r.hash,
    pendingHash: r.pending_hash,
    /** The hash to send when approving or rejecting: the definition under review. */
    reviewHash: r.status === 'approved' ? null : (r.pending_hash ?? r.hash),
    definition: r.definition,
    pendingDefinition: r.pending_definition,
    findings: r.findings,
    pendingFindings: r.pending_findings,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    changedAt: r.changed_at,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at,
  };
}

type AnalyzeBody = {
  command?: string;
  sql?: string;
  call?: { server?: string; tool: string; arguments?: Record<string, unknown> };
  definition?: ToolDefinition;
  server?: string;
  explain?: boolean;
};

/**
 * Shield through the API: this org's rule packs and rules (switch off, on, override
 * severity), a test box that analyzes a pasted command, SQL, call or tool definition
 * without running anything, and tool pins waiting for review (rug pulls and poisoned
 * descriptions) with approve/reject bound to the definition the reviewer saw.
 */
export function shieldRoutes(deps: { engine: ShieldEngine; orgRules: OrgRules; pins: PinService; audit: AuditWriter; labels: (server: string) => Record<string, string> | undefined }) {
  const { orgRules, pins, audit } = deps;
  return (api: FastifyInstance) => {
    const tags = ['shield'];

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/shield/packs', auth: { kind: 'org', perm: 'shield.read' }, tags, summary: "Rule packs and their rules as this org's calls are judged (on/off, severity, and who decided)",
      schema: { params: orgParams },
      async handler(req) {
        return orgRules.view(who.actor(req).orgId);
      },
    });

    route(api, {
      method: 'PUT', url: '/v1/orgs/:orgId/shield/packs/:pack', auth: { kind: 'org', perm: 'shield.manage' }, tags, summary: 'Switch a whole rule pack off (or back on) for this org',
      schema: { params: S.obj({ orgId: S.id, pack: ruleName }, ['orgId', 'pack']), body: S.obj({ enabled: { type: 'boolean' } }, ['enabled']) },
      async handler(req) {
        const { orgId } = who.actor(req);
        const { pack } = req.params as { pack: string };
        await orgRules.setPack(orgId, pack, (req.body as { enabled: boolean }).enabled, auditActor(req));
        return orgRules.view(orgId);
      },
    });

    route(api, {
      method: 'PUT', url: '/v1/orgs/:orgId/shield/rules/:rule', auth: { kind: 'org', perm: 'shield.manage' }, tags, summary: "Switch a rule on or off for this org and/or override its severity",
      schema: { params: S.obj({ orgId: S.id, rule: ruleName }, ['orgId', 'rule']), body: S.obj({ enabled: { type: 'boolean' }, severity: SEVERITY }) },
      async handler(req) {
        const { orgId } = who.actor(req);
        const b = (req.body ?? {}) as { enabled?: boolean; severity?: Severity };
        await orgRules.setRule(orgId, (req.params as { rule: string }).rule, b, auditActor(req));
        return orgRules.view(orgId);
      },
    });

    route(api, {
      method: 'DELETE', url: '/v1/orgs/:orgId/shield/rules/:rule', auth: { kind: 'org', perm: 'shield.manage' }, tags, summary: "Forget this org's setting for a rule (the installation's applies again)",
      schema: { params: S.obj({ orgId: S.id, rule: ruleName }, ['orgId', 'rule']) },
      async handler(req) {
        const { orgId } = who.actor(req);
        await orgRules.resetRule(orgId, (req.params as { rule: string }).rule, auditActor(req));
        return orgRules.view(orgId);
      },
    });

    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/shield/analyze', auth: { kind: 'org', perm: 'shield.read' }, tags, summary: "Analyze a pasted command, SQL, tool call or tool definition with this org's rules; nothing is run",
      schema: {
        params: orgParams,
        body: S.obj({
          command: S.str(MAX_INPUT),
          sql: S.str(MAX_INPUT),
          call: S.obj({ server: serverName, tool: toolName, arguments: { type: 'object' } }, ['tool']),
          definition: { type: 'object', required: ['name'], properties: { name: toolName, title: S.str(1000), description: S.str(MAX_INPUT) } },
          server: serverName,
          explain: { type: 'boolean' },
        }),
      },
      async handler(req) {
        const { orgId } = req.identityAuth.actor!;
        const b = (req.body ?? {}) as AnalyzeBody;
        const given = (['command', 'sql', 'call', 'definition'] as const).filter((k) => b[k] !== undefined);
        if (given.length !== 1) throw new FlowLinkError('invalid_params', given.length ? `send one of command, sql, call or definition, not ${given.join(' and ')}` : 'send one of command, sql, call or definition');
        const input = given[0]!;
        const digest = sha256Hex(JSON.stringify(b[input]));
        if (input === 'definition') {
          const scan = deps.engine.scanToolDefinition(b.server ?? 'console', b.definition!);
          await audit.append({ orgId, kind: 'shield.analyzed', actor: auditActor(req), outcome: 'success', data: { input, input_sha256: digest, verdict: null, risk: null, findings: scan.findings.length } });
          return { input, findings: scan.findings, hash: scan.hash, poisoned: scan.findings.some((f) => f.severity !== 'info' && f.severity !== 'low') };
        }
        const server = b.call?.server ?? b.server ?? 'console';
        const labels = deps.labels(server);
        const call: ShieldCall =
          input === 'command' ? { server, tool: 'run_command', arguments: { command: b.command! } }
          : input === 'sql' ? { server, tool: 'query', arguments: { sql: b.sql! } }
          : { server, tool: b.call!.tool, arguments: b.call!.arguments ?? {} };
        if (labels) call.serverLabels = labels;
        const shield = await orgRules.forTestBox(orgId);
        const verdict = shield.analyzeCall(call);
        await audit.append({ orgId, kind: 'shield.analyzed', actor: auditActor(req), outcome: 'success', data: { input, input_sha256: digest, verdict: verdict.verdict, risk: verdict.risk, findings: verdict.reasons.length } });
        return { input, ...verdict, ...(b.explain ? { explain: shield.explainCall(call) } : {}) };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/shield/pins', auth: { kind: 'org', perm: 'shield.read' }, tags, summary: "This org's tool pins; status=review lists those waiting (rug pulls and tools flagged at first sight)",
      schema: { params: orgParams, querystring: S.obj({ status: { type: 'string', enum: ['all', 'review', 'approved', 'quarantined', 'rejected'] }, server: serverName }) },
      async handler(req) {
        const q = req.query as { status?: 'all' | 'review' | PinStatus; server?: string };
        const status = q.status ?? 'all';
        const rows = (await pins.list(who.actor(req).orgId)).filter((r) => (status === 'all' || (status === 'review' ? r.status === 'quarantined' : r.status === status)) && (!q.server || r.server === q.server));
        return { pins: rows.map(pinView) };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/shield/findings', auth: { kind: 'org', perm: 'shield.read' }, tags, summary: "Findings in tool definitions this org's agents were shown or offered (poisoning)",
      schema: { params: orgParams },
      async handler(req) {
        const rows = await pins.list(who.actor(req).orgId);
        const findings = rows.flatMap((r) => [
          ...(r.findings.length ? [{ server: r.server, tool: r.tool, status: r.status, definition: 'pinned' as const, hash: r.hash, findings: r.findings }] : []),
          ...(r.pending_findings?.length ? [{ server: r.server, tool: r.tool, status: r.status, definition: 'under review' as const, hash: r.pending_hash, findings: r.pending_findings }] : []),
        ]);
        return { findings };
      },
    });

    for (const decision of ['approve', 'reject'] as const) {
      route(api, {
        method: 'POST', url: `/v1/orgs/:orgId/shield/pins/${decision}`, auth: { kind: 'org', perm: 'shield.manage' }, tags,
        summary: decision === 'approve' ? 'Approve the definition under review (hash: the one you saw); the tool becomes callable' : 'Reject the definition under review; the tool stays blocked until its definition changes again',
        schema: { params: orgParams, body: S.obj({ server: serverName, tool: toolName, hash }, ['server', 'tool', 'hash']) },
        async handler(req) {
          const { orgId } = who.actor(req);
          const b = req.body as { server: string; tool: string; hash: string };
          const reviewer = auditActor(req).id!;
          const row = decision === 'approve' ? await pins.approve(orgId, b.server, b.tool, reviewer, b.hash) : await pins.reject(orgId, b.server, b.tool, reviewer, b.hash);
          return { pin: pinView(row) };
        },
      });
    }
  };
}
