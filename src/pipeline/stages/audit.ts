import type { Stage } from '../types.ts';
import type { AuditWriter } from '../../audit/audit.writer.ts';
import { FlowLinkError, toFlowLinkError } from '../../lib/errors.ts';
import { denial } from '../run.ts';
import type { JsonRpcResponse } from '../../gateway/jsonrpc.ts';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { sha256Hex } from '../../lib/secure-compare.ts';

const MAX_ERROR_CHARS = 2000;

/**
 * Records every call durably before its result goes back to the agent. If the record
 * cannot be written, the agent gets an error instead of the result (fail closed); while
 * the audit log is failing, calls are refused before they run.
 */
export function createAuditStage(writer: AuditWriter, redact: (args: Record<string, unknown>) => Record<string, unknown> = (a) => a): Stage {
  return {
    name: 'audit',
    async run(ctx, next) {
      if (!writer.healthy && !(await writer.probe())) {
        throw new FlowLinkError('audit_unavailable', 'the audit log cannot be written, so no calls are run until it recovers');
      }
      let res: JsonRpcResponse;
      try {
        res = await next();
      } catch (err) {
        res = denial(ctx, toFlowLinkError(err));
      }
      const finished = new Date();
      const failed = 'error' in res || (res.result as { isError?: boolean }).isError === true;
      const deniedByFlowLink = 'error' in res && typeof (res.error.data as { code?: unknown } | undefined)?.code === 'string';
      const status = deniedByFlowLink ? 'denied' : failed ? 'error' : 'ok';
      const error = 'error' in res ? res.error.message.slice(0, MAX_ERROR_CHARS) : null;
      const durationMs = finished.getTime() - ctx.startedAt.getTime();
      // The record keeps what the agent sent, minus any secret values it sent along.
      const args = redact(ctx.arguments);
      await writer.append({
        orgId: ctx.identity.orgId,
        kind: status === 'denied' ? 'call.denied' : 'call.completed',
        actor: { type: 'agent', id: ctx.identity.agentId },
        outcome: status === 'ok' ? 'success' : status === 'denied' ? 'denied' : 'failure',
        // The chained event carries a digest of the arguments, so the history row is covered by the chain without storing them twice.
        data: { call_id: ctx.callId, server: ctx.server, tool: ctx.tool, arguments_sha256: sha256Hex(canonicalJson(args)), status, error, duration_ms: durationMs, session_id: ctx.session.id, decision: ctx.decision },
        call: {
          id: ctx.callId,
          agent_id: ctx.identity.agentId,
          agent_name: ctx.identity.agentName,
          session_id: ctx.session.id ?? null,
          server: ctx.server,
          tool: ctx.tool,
          arguments: args,
          status,
          error,
          duration_ms: durationMs,
          started_at: ctx.startedAt.toISOString(),
          finished_at: finished.toISOString(),
          client: ctx.session.client ?? null,
          protocol: ctx.session.protocol,
          decision: ctx.decision,
        },
      });
      return res;
    },
  };
}
