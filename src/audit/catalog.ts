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
const secretKeyData = z.strictObject({ key_id: id, fingerprint: s(64) });
const secretGrantData = z.strictObject({ grant_id: id, secret: s(128), agents: z.array(s(128)).max(100), servers: z.array(s(128)).max(100), agent_labels: z.record(s(63), s(128)).optional(), tools: z.array(s(256)).max(100).optional() });
const approvalData = z.strictObject({
  request_id: id,
  server: s(128),
  tool: s(256),
  call_sha256: sha256,
  channel: s(32).optional(),
  session_id: id.nullable().optional(),
  risk: z.number().nullable().optional(),
  rule: s(256).nullable().optional(),
  reason: s(2048).nullable().optional(),
  approvals: z.number().int().nonnegative().optional(),
  required: z.number().int().positive().optional(),
  scope: z.enum(['once', 'session']).optional(),
  to: s(128).optional(),
  actor_name: s(256).optional(),
});
const identityLinkData = z.strictObject({ user_id: id, identity_id: id, provider: z.enum(['github', 'yandex', 'vk']), via: z.enum(['sign-up', 'email', 'account']) });
const linkData = z.strictObject({ provider: z.enum(['slack', 'telegram']), external_id: s(128), user_id: id });
const purgeData = z.strictObject({
  request_id: id,
  below_seq: z.number().int().positive().optional(),
  cutoff: s(40).optional(),
  retention_days: z.number().int().positive().optional(),
  anchor_hash: sha256.nullable().optional(),
  events: z.number().int().nonnegative().optional(),
  calls: z.number().int().nonnegative().optional(),
  requested_by: id.optional(),
  approved_by: id.optional(),
  reason: s(1000).optional(),
  by_name: s(256),
});

export const AuditCatalog = {
  'call.completed': { code: 'FL-CALL-0001', severity: 'info', schema: callData, description: 'A tool call ran (or failed) and its result reached the agent' },
  'call.denied': { code: 'FL-CALL-0002', severity: 'medium', schema: callData, description: 'A tool call was stopped by a check before it reached the server' },
  'agent.created': { code: 'FL-AGENT-0001', severity: 'low', schema: agentData, description: 'An agent and its first token were created' },
  'agent.revoked': { code: 'FL-AGENT-0002', severity: 'medium', schema: agentData, description: 'An agent and all its tokens were revoked' },
  'tool.pinned': { code: 'FL-TOOL-0001', severity: 'info', schema: toolData, description: 'A tool definition was seen for the first time and pinned by its hash' },
  'tool.flagged': { code: 'FL-TOOL-0002', severity: 'high', schema: toolData, description: 'A tool definition carried poisoning findings and was quarantined at first sight' },
  'tool.changed': { code: 'FL-TOOL-0003', severity: 'high', schema: toolData, description: 'A pinned tool definition changed and the tool was quarantined (rug pull)' },
  'tool.approved': { code: 'FL-TOOL-0004', severity: 'medium', schema: toolData, description: 'An admin approved a quarantined tool definition' },
  'tool.rejected': { code: 'FL-TOOL-0005', severity: 'medium', schema: toolData, description: 'An admin rejected a quarantined tool definition; the tool stays blocked until its definition changes again' },
  // Shield settings and checks made through the API (per org).
  'shield.rule.changed': {
    code: 'FL-SHIELD-0001',
    severity: 'medium',
    schema: z.strictObject({ scope: z.enum(['pack', 'rule']), name: s(200), enabled: z.boolean().nullable(), severity: s(16).nullable(), reset: z.boolean() }),
    description: "A rule pack or rule was switched on or off, or a rule's severity overridden, for one organization",
  },
  'shield.analyzed': {
    code: 'FL-SHIELD-0002',
    severity: 'info',
    schema: z.strictObject({ input: z.enum(['command', 'sql', 'call', 'definition']), input_sha256: sha256, verdict: s(16).nullable(), risk: z.number().nullable(), findings: z.number().int().nonnegative() }),
    description: 'Someone asked Shield to analyze a pasted command, call or tool definition (nothing was run; only a digest of the input is kept)',
  },
  'server.restarted': { code: 'FL-SERVER-0001', severity: 'medium', schema: z.strictObject({ server: s(128) }), description: 'An admin restarted an upstream server' },
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
  'audit.retention.set': { code: 'FL-AUDIT-0003', severity: 'medium', schema: z.strictObject({ days: z.number().int().positive(), previous_days: z.number().int().positive().nullable(), by_name: s(256) }), description: "An org's retention period for audit records and command history was set or changed" },
  'audit.purge.requested': { code: 'FL-AUDIT-0004', severity: 'high', schema: purgeData, description: 'A person asked to delete audit records older than the retention period (nothing is deleted until a second person approves)' },
  'audit.purge.executed': { code: 'FL-AUDIT-0005', severity: 'high', schema: purgeData, description: 'A second person approved a purge: records below a sequence number were deleted and a signed truncation marker written' },
  'audit.purge.rejected': { code: 'FL-AUDIT-0006', severity: 'medium', schema: purgeData, description: 'A purge request was rejected or withdrawn; nothing was deleted' },
  'audit.outage.ended': {
    code: 'FL-AUDIT-0007',
    severity: 'high',
    schema: z.strictObject({ started_at: s(40), ended_at: s(40), failed_writes: z.number().int().nonnegative(), error: s(300) }),
    description: 'The audit log could not be written for a while (calls were refused meanwhile) and is writable again',
  },
  'audit.exported': {
    code: 'FL-AUDIT-0008',
    severity: 'low',
    schema: z.strictObject({ what: z.enum(['history', 'purge_range']), format: z.enum(['csv', 'jsonl']), rows: z.number().int().nonnegative(), filters: z.record(z.string().max(32), s(256)).optional(), request_id: id.optional(), by_name: s(256) }),
    description: 'Command history or the records of a purge request were exported through the API (who, which filters, how many rows)',
  },
  // Secrets: names, versions, fingerprints and counts only; never a value or a reference's content.
  'secret.keys.setup': { code: 'FL-SECRET-0001', severity: 'medium', schema: secretKeyData, description: "An organization's secrets key pair was created" },
  'secret.keys.verified': { code: 'FL-SECRET-0002', severity: 'info', schema: z.strictObject({ key_id: id, fingerprint: s(64), ok: z.boolean() }), description: 'The server proved it can decrypt with the org key (a random challenge, nothing revealed)' },
  'secret.keys.rotated': {
    code: 'FL-SECRET-0003',
    severity: 'medium',
    schema: z.strictObject({ key_id: id, fingerprint: s(64), previous_key_id: id, previous_fingerprint: s(64), rewrapped: z.number().int().nonnegative(), remaining: z.number().int().nonnegative() }),
    description: 'A new org key pair became active and data keys were re-wrapped to it',
  },
  'secret.keys.retired': { code: 'FL-SECRET-0004', severity: 'medium', schema: secretKeyData, description: 'An old org key was retired once no data key was wrapped to it any more' },
  'secret.set': { code: 'FL-SECRET-0005', severity: 'medium', schema: z.strictObject({ name: s(128), version: z.number().int().positive(), backend: z.enum(['builtin', 'vault', 'env', 'file']), created: z.boolean() }), description: 'A secret was created or given a new version' },
  'secret.deleted': { code: 'FL-SECRET-0006', severity: 'medium', schema: z.strictObject({ name: s(128), version: z.number().int().nonnegative() }), description: 'A secret was deleted and its stored ciphertexts erased' },
  'secret.used': {
    code: 'FL-SECRET-0007',
    severity: 'low',
    schema: z.strictObject({ call_id: id.nullable(), agent_id: id.nullable(), server: s(128), tool: s(256).nullable(), secrets: z.array(z.strictObject({ name: s(1100), method: z.enum(['argument', 'file', 'env', 'header']), version: z.number().int().nullable() })).max(100) }),
    description: 'Secret values were injected into a tool call (arguments or files) or an upstream server (environment or headers)',
  },
  'secret.denied': {
    code: 'FL-SECRET-0008',
    severity: 'medium',
    schema: z.strictObject({ call_id: id, agent_id: id, server: s(128), tool: s(256), names: z.array(s(128)).max(100) }),
    description: 'A tool call asked for secrets the agent may not use on that server (or that do not exist: one answer for both)',
  },
  'secret.grant.added': { code: 'FL-SECRET-0009', severity: 'medium', schema: secretGrantData, description: 'Agents were allowed to use secrets on servers' },
  'secret.grant.removed': { code: 'FL-SECRET-0010', severity: 'medium', schema: secretGrantData, description: 'A secret grant was removed' },
  'secret.checked': { code: 'FL-SECRET-0011', severity: 'info', schema: z.strictObject({ name: s(128), backend: z.enum(['builtin', 'vault', 'env', 'file']), version: z.number().int().positive(), resolvable: z.boolean() }), description: 'An admin checked that a secret can be resolved (the value was read and dropped, nothing returned)' },
  'secret.keys.rotation_started': {
    code: 'FL-SECRET-0012',
    severity: 'medium',
    schema: z.strictObject({ key_id: id, fingerprint: s(64), previous_key_id: id, previous_fingerprint: s(64), resumed: z.boolean(), remaining: z.number().int().nonnegative() }),
    description: 'A key rotation began (a new org key is active; data keys are being re-wrapped) or an unfinished one was resumed',
  },
  'approval.requested': { code: 'FL-APPROVAL-0001', severity: 'medium', schema: approvalData, description: 'A tool call is held until a person approves or denies it' },
  'approval.notified': { code: 'FL-APPROVAL-0002', severity: 'info', schema: approvalData, description: 'An approval request was announced on a channel (web, Slack, Telegram)' },
  'approval.viewed': { code: 'FL-APPROVAL-0003', severity: 'info', schema: approvalData, description: 'A person opened an approval request' },
  'approval.approved': { code: 'FL-APPROVAL-0004', severity: 'medium', schema: approvalData, description: 'A person approved a held call (a vote; the request is approved once enough votes are in)' },
  'approval.denied': { code: 'FL-APPROVAL-0005', severity: 'medium', schema: approvalData, description: 'A person denied a held call; the agent got the reason' },
  'approval.expired': { code: 'FL-APPROVAL-0006', severity: 'medium', schema: approvalData, description: 'Nobody decided in time; the held call was denied' },
  'approval.escalated': { code: 'FL-APPROVAL-0007', severity: 'medium', schema: approvalData, description: 'An unanswered request was escalated to another group' },
  'approval.cancelled': { code: 'FL-APPROVAL-0008', severity: 'info', schema: approvalData, description: 'The agent withdrew its held call (cancelled or disconnected)' },
  'approval.failed': { code: 'FL-APPROVAL-0009', severity: 'medium', schema: approvalData, description: 'The instance holding the call stopped or died; the request was closed unanswered' },
  'approval.rule_suggested': { code: 'FL-APPROVAL-0010', severity: 'medium', schema: approvalData, description: 'A person asked to always allow a call: a policy rule was suggested for review (not applied)' },
  'approval.link_created': { code: 'FL-APPROVAL-0011', severity: 'medium', schema: linkData, description: 'A Slack or Telegram account was linked to a FlowLink user for approvals' },
  // MCP authorization (FlowLink's OAuth server for MCP clients): ids, client ids and scopes only, never a code or token.
  'oauth.client.registered': { code: 'FL-OAUTH-0001', severity: 'low', schema: z.strictObject({ client_id: id, name: s(128), redirect_uris: z.array(s(2000)).max(20) }), description: 'An MCP client registered itself (RFC 7591 dynamic registration; recorded in the default org)' },
  'oauth.consent.granted': { code: 'FL-OAUTH-0002', severity: 'medium', schema: z.strictObject({ grant_id: id, client_id: s(512), agent_id: id, scope: s(4096), resource: s(2048) }), description: 'A person let an MCP client act for them in this org (its agent and scopes)' },
  'oauth.consent.denied': { code: 'FL-OAUTH-0003', severity: 'low', schema: z.strictObject({ client_id: s(512), scope: s(4096), resource: s(2048) }), description: 'A person refused an MCP client\'s authorization request' },
  'oauth.token.issued': { code: 'FL-OAUTH-0004', severity: 'info', schema: z.strictObject({ grant_id: id, client_id: s(512), family_id: id, scope: s(4096), grant_type: z.enum(['authorization_code', 'refresh_token']) }), description: 'Access and refresh tokens were issued (code exchange or refresh with rotation)' },
  'oauth.token.reuse_detected': { code: 'FL-OAUTH-0005', severity: 'high', schema: z.strictObject({ grant_id: id, client_id: s(512), family_id: id, what: z.enum(['code', 'refresh_token']), revoked: z.number().int().nonnegative() }), description: 'A used authorization code or refresh token was presented again; every token of its family was revoked' },
  'oauth.token.revoked': { code: 'FL-OAUTH-0006', severity: 'medium', schema: z.strictObject({ grant_id: id, client_id: s(512), family_id: id.nullable(), revoked: z.number().int().nonnegative() }), description: 'OAuth tokens were revoked (revocation endpoint, or a grant revoked by an admin)' },
  // People: a sign-in provider account (GitHub, Yandex ID, VK ID) linked to or unlinked from a user (in each of their orgs).
  'user.identity.linked': { code: 'FL-USER-0001', severity: 'medium', schema: identityLinkData, description: 'A sign-in provider account was linked to a user (by a verified address, at sign-up, or from the account page)' },
  'user.identity.unlinked': { code: 'FL-USER-0002', severity: 'medium', schema: identityLinkData, description: 'A user unlinked a sign-in provider account' },
  // Compliance reports and context snapshots: ids, counts, scores and hashes only.
  'report.generated': {
    code: 'FL-REPORT-0001',
    severity: 'info',
    schema: z.strictObject({ standards: z.array(s(32)).max(10), format: z.enum(['html', 'pdf', 'json']), lang: z.enum(['ru', 'en']), trigger: z.enum(['api', 'cli', 'schedule']), scores: z.record(s(32), z.number().nullable()), checkpoint_seq: z.number().int().nullable() }),
    description: 'A compliance report was generated (downloaded, written by the CLI or by the schedule)',
  },
  'snapshot.captured': {
    code: 'FL-SNAPSHOT-0001',
    severity: 'info',
    schema: z.strictObject({ snapshot_id: id, reason: z.enum(['manual', 'schedule', 'policy-change', 'incident']), ref: s(256).nullable(), content_sha256: sha256, policy_version: z.number().int().nonnegative(), audit_seq: z.number().int().nullable() }),
    description: 'A context snapshot (policies, agents, servers with pinned tools, redacted config, audit checkpoint) was stored',
  },
  'snapshot.restored': {
    code: 'FL-SNAPSHOT-0002',
    severity: 'high',
    schema: z.strictObject({ snapshot_id: id, content_sha256: sha256, from_version: z.number().int().nonnegative(), to_version: z.number().int().nonnegative(), changed: z.boolean() }),
    description: "A snapshot's policies and rules were made active again (as a new policy version)",
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
