import type { Stage } from '../types.ts';
import type { Shield } from '../../shield/index.ts';
import type { SessionRisk } from '../../shield/session-risk.ts';
import type { AuditWriter } from '../../audit/audit.writer.ts';
import { riskKey } from './shield.ts';

/**
 * Scans what the tool returned before the agent sees it: secrets are redacted from the
 * content and structured content, and a prompt-injection attempt raises the risk of the
 * session's later calls (so a dangerous follow-up needs approval).
 */
export function createScanResultStage(deps: { shield: Shield; sessionRisk: SessionRisk; audit: AuditWriter; injectionRisk: number }): Stage {
  return {
    name: 'scan-result',
    async run(ctx, next) {
      const res = await next();
      if (!('result' in res)) return res;
      const result = res.result as { content?: unknown; structuredContent?: unknown };
      const parts: unknown[] = Array.isArray(result.content) ? [...result.content] : [];
      const hasStructured = result.structuredContent !== undefined;
      if (hasStructured) parts.push(result.structuredContent);
      if (!parts.length) return res;
      const scan = deps.shield.scanResult(ctx.server, ctx.tool, parts);
      if (scan.findings.length) ctx.decision.result = { findings: scan.findings, redactions: scan.redactions, injection: scan.injection };
      if (scan.injection) {
        const risk = deps.sessionRisk.raise(riskKey(ctx), deps.injectionRisk);
        await deps.audit.append({ orgId: ctx.identity.orgId, kind: 'result.injection', actor: { type: 'agent', id: ctx.identity.agentId }, outcome: 'success', data: { call_id: ctx.callId, server: ctx.server, tool: ctx.tool, session_risk: risk, findings: scan.findings } });
      }
      if (scan.redactions === 0) return res;
      const content = hasStructured ? scan.content.slice(0, -1) : scan.content;
      return { ...res, result: { ...res.result, ...(Array.isArray(result.content) ? { content } : {}), ...(hasStructured ? { structuredContent: scan.content.at(-1) } : {}) } };
    },
  };
}
