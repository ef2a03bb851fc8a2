import { z } from 'zod';

/**
 * The audit event catalog. Every event FlowLink records has a dotted name, a stable
 * code, a severity and a schema for its `data`; codes are never reused or renumbered
 * (test/audit/catalog.test.ts checks they are unique and that every kind the source
 * appends is listed here). Add new kinds at the end of their group.
 *
 * Schemas: events FlowLink itself defines completely are strict (an unexpected key is a
 * programming error, and keeps stray secrets out); call and tool events are open
 * objects because later pipeline stages add their verdicts to them.
 */
export type AuditSeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITY_RANK: Record<AuditSeverity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };

const s = (max = 512) => z.string().max(max);
const id = s(128);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const callData = z.looseObject({
  call_id: id,
  server: s(128),
  tool: s(256),
  arguments_sha256: sha256,
  status: z.enum(['ok', 'error', 'denied']),
  error: s(4096).nullable(),
  duration_ms: z.number().nonnegative(),
  session_id: id.nullable().optional(),
  decision: z.record(z.string(), z.unknown()).optional(),
});
const agentData = z.strictObject({ agent_id: id, name: s(128), expires_at: s(64).nullable().optional() });
const toolData = z.looseObject({ server: s(128), tool: s(256).optional(), hash: sha256.optional() });
const keyData = z.strictObject({ key_id: id, previous_key_id: id.nullable(), algorithm: z.literal('ed25519') });

export const AuditCatalog = {
  'call.completed': { code: 'FL-CALL-0001', severity: 'info', schema: callData, description: 'A tool call ran (or failed) and its result reached the agent' },
  'call.denied': { code: 'FL-CALL-0002', severity: 'medium', schema: callData, description: 'A tool call was stopped by a check before it reached the server' },
  'agent.created': { code: 'FL-AGENT-0001', severity: 'low', schema: agentData, description: 'An agent and its first token were created' },
  'agent.revoked': { code: 'FL-AGENT-0002', severity: 'medium', schema: agentData, description: 'An agent and all its tokens were revoked' },
  'tool.pinned': { code: 'FL-TOOL-0001', severity: 'info', schema: toolData, description: 'A tool definition was seen for the first time and pinned by its hash' },
  'tool.flagged': { code: 'FL-TOOL-0002', severity: 'high', schema: toolData, description: 'A tool definition carried poisoning findings and was quarantined at first sight' },
  'tool.changed': { code: 'FL-TOOL-0003', severity: 'high', schema: toolData, description: 'A pinned tool definition changed and the tool was quarantined (rug pull)' },
  'tool.approved': { code: 'FL-TOOL-0004', severity: 'medium', schema: toolData, description: 'An admin approved a quarantined tool definition' },
  'result.injection': { code: 'FL-RESULT-0001', severity: 'high', schema: z.looseObject({ server: s(128), tool: s(256) }), description: 'A tool result carried a prompt-injection attempt; the session risk was raised' },
  'gateway.started': {
    code: 'FL-SYS-0001',
    severity: 'info',
    schema: z.strictObject({ address: s(256), pid: z.number().int(), servers: z.array(s(128)).max(1000), store: z.enum(['pglite', 'postgres']) }),
    description: 'A FlowLink instance started serving',
  },
  'gateway.stopped': { code: 'FL-SYS-0002', severity: 'info', schema: z.strictObject({ signal: s(32) }), description: 'A FlowLink instance shut down' },
  'audit.key.rotated': { code: 'FL-AUDIT-0001', severity: 'medium', schema: keyData, description: 'A new audit checkpoint signing key was made active; the previous one only verifies' },
  'audit.verify.failed': {
    code: 'FL-AUDIT-0002',
    severity: 'critical',
    schema: z.strictObject({ from_seq: z.number().int(), problems: z.number().int(), first_seq: z.number().int().nullable(), first_kind: s(64) }),
    description: 'An audit verification run found edited, missing, inserted, reordered or truncated records',
  },
} as const satisfies Record<string, { code: string; severity: AuditSeverity; schema: z.ZodType; description: string }>;

export type AuditKind = keyof typeof AuditCatalog;

export function isAuditKind(kind: string): kind is AuditKind {
  return Object.hasOwn(AuditCatalog, kind);
}

/**
 * Checks an event's data against its catalog schema. A mismatch is a programming error
 * in the caller, so it is reported as such (the message names the paths, never values).
 */
export function checkEventData(kind: string, data: unknown): { ok: true } | { ok: false; message: string } {
  if (!isAuditKind(kind)) return { ok: false, message: `audit event kind "${kind.slice(0, 64)}" is not in the catalog` };
  const r = AuditCatalog[kind].schema.safeParse(data);
  if (r.success) return { ok: true };
  const where = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
  return { ok: false, message: `audit event ${kind} has data that does not match its catalog schema (${where.join('; ')})` };
}
