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
  'tool.pinned': { code: 'FL-TOOL-0001', description: 'A tool definition was seen for the first time and pinned by its hash' },
  'tool.flagged': { code: 'FL-TOOL-0002', description: 'A tool definition carried poisoning findings and was quarantined at first sight' },
  'tool.changed': { code: 'FL-TOOL-0003', description: 'A pinned tool definition changed and the tool was quarantined (rug pull)' },
  'tool.approved': { code: 'FL-TOOL-0004', description: 'An admin approved a quarantined tool definition' },
  'result.injection': { code: 'FL-RESULT-0001', description: 'A tool result carried a prompt-injection attempt; the session risk was raised' },
  'gateway.started': { code: 'FL-SYS-0001', description: 'A FlowLink instance started serving' },
  'gateway.stopped': { code: 'FL-SYS-0002', description: 'A FlowLink instance shut down' },
} as const satisfies Record<string, { code: string; description: string }>;

export type AuditKind = keyof typeof AuditCatalog;
