/**
 * The audit event catalog. Every event FlowLink records has a dotted name and a stable
 * code; codes are never reused or renumbered (a test checks they are unique). Add new
 * kinds at the end of their group.
 */
export const AuditCatalog = {
  'call.completed': { code: 'FL-CALL-0001', description: 'A tool call ran (or failed) and its result reached the agent' },
  'call.denied': { code: 'FL-CALL-0002', description: 'A tool call was stopped by a check before it reached the server' },
  'agent.created': { code: 'FL-AGENT-0001', description: 'An agent and its first token were created' },
  'agent.revoked': { code: 'FL-AGENT-0002', description: 'An agent and all its tokens were revoked' },
  'gateway.started': { code: 'FL-SYS-0001', description: 'A FlowLink instance started serving' },
  'gateway.stopped': { code: 'FL-SYS-0002', description: 'A FlowLink instance shut down' },
} as const satisfies Record<string, { code: string; description: string }>;

export type AuditKind = keyof typeof AuditCatalog;
