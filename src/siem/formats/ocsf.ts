import type { AuditSeverity } from '../../audit/catalog.ts';
import { AuditCatalog, isAuditKind } from '../../audit/catalog.ts';
import type { SiemEvent } from '../siem.types.ts';
import { dataOf, epochMs, isoTime, PRODUCT, str } from './common.ts';

/**
 * Audit events as OCSF (schema 1.5.0) events. Classes:
 * - API Activity (6003, Application Activity) for tool calls (`call.*`);
 * - Authentication (3002, Identity & Access Management) for sign-ins and sign-outs;
 * - Detection Finding (2004, Findings) for Shield: calls it blocked, tools it pinned,
 *   flagged, quarantined or had approved, injection found in results;
 * - Base Event (0) for everything else, the FlowLink record under `unmapped`.
 * `metadata.uid` is the event id (receivers dedupe by it); `metadata.sequence` the per-org seq.
 */
export const OCSF_VERSION = '1.5.0';

const SEVERITY: Record<AuditSeverity, [number, string]> = { info: [1, 'Informational'], low: [2, 'Low'], medium: [3, 'Medium'], high: [4, 'High'], critical: [5, 'Critical'] };

interface ClassRef {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
  activity_id: number;
  activity_name: string;
}

const AUTH_KIND = /^(auth|account|user|session|identity)\.(login|logon|signin|sign_in|logout|logoff|signout|sign_out)(\.|_|$)/;
const LOGOFF = /(logout|logoff|signout|sign_out)/;
const SHIELD_FINDING = new Set(['tool.pinned', 'tool.flagged', 'tool.changed', 'tool.approved', 'result.injection']);

function shieldVerdict(d: Record<string, unknown>): { verdict?: string; risk?: number; reasons?: unknown } {
  const dec = d.decision as Record<string, unknown> | undefined;
  const sh = (dec?.shield ?? dec) as Record<string, unknown> | undefined;
  if (!sh || typeof sh !== 'object') return {};
  return { ...(typeof sh.verdict === 'string' ? { verdict: sh.verdict } : {}), ...(typeof sh.risk === 'number' ? { risk: sh.risk } : {}), ...(sh.reasons !== undefined ? { reasons: sh.reasons } : {}) };
}

/** Which OCSF class an event maps to. Pure, by kind (and, for denied calls, by who denied them). */
export function ocsfClassOf(e: Pick<SiemEvent, 'kind' | 'data'>): 'api_activity' | 'authentication' | 'detection_finding' | 'base_event' {
  if (SHIELD_FINDING.has(e.kind)) return 'detection_finding';
  if (e.kind === 'call.denied' && shieldVerdict(dataOf(e as SiemEvent)).verdict === 'block') return 'detection_finding';
  if (e.kind.startsWith('call.')) return 'api_activity';
  if (AUTH_KIND.test(e.kind)) return 'authentication';
  return 'base_event';
}

const statusOf = (outcome: string): [number, string] => (outcome === 'success' ? [1, 'Success'] : outcome === 'failure' || outcome === 'denied' ? [2, 'Failure'] : [0, 'Unknown']);

function actorOf(e: SiemEvent) {
  const d = dataOf(e);
  const name = str(d.agent_name) ?? str(d.actor_name) ?? str(d.name);
  if (e.actor_type === 'system') return { app_name: PRODUCT.name, ...(e.actor_id ? { app_uid: e.actor_id } : {}) };
  return { user: { uid: e.actor_id ?? 'unknown', ...(name ? { name } : {}), type_id: 99, type: e.actor_type === 'agent' ? 'AI agent' : 'User' } };
}

function base(e: SiemEvent, c: ClassRef) {
  const [severity_id, severity] = SEVERITY[e.severity];
  const [status_id, status] = statusOf(e.outcome);
  const d = dataOf(e);
  return {
    ...c,
    type_uid: c.class_uid * 100 + c.activity_id,
    type_name: `${c.class_name}: ${c.activity_name}`,
    time: epochMs(e.ts),
    severity_id,
    severity,
    status_id,
    status,
    message: isAuditKind(e.kind) ? AuditCatalog[e.kind].description : e.kind,
    metadata: {
      uid: e.id,
      event_code: e.code,
      sequence: Number(e.seq),
      tenant_uid: e.org_id,
      original_time: isoTime(e.ts),
      log_name: 'flowlink-audit',
      version: OCSF_VERSION,
      product: { vendor_name: PRODUCT.vendor, name: PRODUCT.name, version: PRODUCT.version },
      ...(str(d.call_id) ? { correlation_uid: d.call_id as string } : {}),
    },
    unmapped: { flowlink: { kind: e.kind, seq: Number(e.seq), actor_type: e.actor_type, hash: e.hash, prev_hash: e.prev_hash, data: e.data } },
  };
}

function apiActivity(e: SiemEvent) {
  const d = dataOf(e);
  const server = str(d.server) ?? 'unknown';
  const tool = str(d.tool) ?? 'unknown';
  const denied = e.kind === 'call.denied';
  const sv = shieldVerdict(d);
  return {
    ...base(e, { class_uid: 6003, class_name: 'API Activity', category_uid: 6, category_name: 'Application Activity', activity_id: 99, activity_name: 'tools/call' }),
    actor: actorOf(e),
    api: {
      operation: 'tools/call',
      service: { name: server },
      ...(str(d.call_id) ? { request: { uid: d.call_id as string } } : {}),
      response: { ...(str(d.status) ? { code: d.status === 'ok' ? 200 : d.status === 'denied' ? 403 : 500 } : {}), ...(str(d.error) ? { error: 'tool_error', error_message: (d.error as string).slice(0, 1024) } : {}) },
    },
    // The agent's MCP session is what FlowLink knows of the source (addresses stay in the call history).
    src_endpoint: { uid: str(d.session_id) ?? e.actor_id ?? 'unknown', type: 'Other' },
    dst_endpoint: { svc_name: server },
    resources: [{ uid: `${server}/${tool}`, name: tool, type: 'MCP tool', group: { name: server } }],
    ...(typeof d.duration_ms === 'number' ? { duration: Math.round(d.duration_ms) } : {}),
    // Security Control profile: what FlowLink did with the call.
    action_id: denied ? 2 : 1,
    action: denied ? 'Denied' : 'Allowed',
    disposition_id: denied ? 2 : 1,
    disposition: denied ? 'Blocked' : 'Allowed',
    ...(sv.risk !== undefined ? { risk_score: sv.risk } : {}),
  };
}

function authentication(e: SiemEvent) {
  const d = dataOf(e);
  const logoff = LOGOFF.test(e.kind);
  const user = { uid: str(d.user_id) ?? e.actor_id ?? 'unknown', ...(str(d.email) ? { email_addr: d.email as string } : {}), ...(str(d.name) ? { name: d.name as string } : {}) };
  return {
    ...base(e, { class_uid: 3002, class_name: 'Authentication', category_uid: 3, category_name: 'Identity & Access Management', activity_id: logoff ? 2 : 1, activity_name: logoff ? 'Logoff' : 'Logon' }),
    user,
    actor: { user },
    service: { name: PRODUCT.name },
    ...(typeof d.mfa === 'boolean' ? { is_mfa: d.mfa } : {}),
    ...(str(d.ip) ? { src_endpoint: { ip: d.ip as string } } : {}),
    ...(str(d.reason) ? { status_detail: (d.reason as string).slice(0, 256) } : {}),
    is_remote: true,
  };
}

function detectionFinding(e: SiemEvent) {
  const d = dataOf(e);
  const server = str(d.server);
  const tool = str(d.tool);
  const closed = e.kind === 'tool.approved';
  const sv = shieldVerdict(d);
  return {
    ...base(e, { class_uid: 2004, class_name: 'Detection Finding', category_uid: 2, category_name: 'Findings', activity_id: closed ? 3 : 1, activity_name: closed ? 'Close' : 'Create' }),
    // A finding's own lifecycle (New / Resolved), not the outcome of an activity.
    status_id: closed ? 4 : 1,
    status: closed ? 'Resolved' : 'New',
    is_alert: e.severity === 'high' || e.severity === 'critical' || e.kind === 'call.denied',
    finding_info: {
      uid: e.id,
      title: isAuditKind(e.kind) ? AuditCatalog[e.kind].description : e.kind,
      types: [e.kind],
      analytic: { name: 'FlowLink Shield', type_id: 1, type: 'Rule' },
      created_time: epochMs(e.ts),
      ...(str(d.call_id) ? { related_events: [{ uid: d.call_id as string }] } : {}),
    },
    ...(server ? { resources: [{ uid: tool ? `${server}/${tool}` : server, name: tool ?? server, type: tool ? 'MCP tool' : 'MCP server', group: { name: server } }] } : {}),
    actor: actorOf(e),
    ...(e.kind === 'call.denied' ? { action_id: 2, action: 'Denied', disposition_id: 2, disposition: 'Blocked' } : {}),
    ...(sv.risk !== undefined ? { risk_score: sv.risk } : {}),
  };
}

export function toOcsf(e: SiemEvent): Record<string, unknown> {
  switch (ocsfClassOf(e)) {
    case 'api_activity':
      return apiActivity(e);
    case 'authentication':
      return authentication(e);
    case 'detection_finding':
      return detectionFinding(e);
    default:
      return base(e, { class_uid: 0, class_name: 'Base Event', category_uid: 0, category_name: 'Uncategorized', activity_id: 99, activity_name: e.kind });
  }
}
