import type { AuditSeverity } from '../../audit/catalog.ts';
import { AuditCatalog, isAuditKind } from '../../audit/catalog.ts';
import type { SiemEvent } from '../siem.types.ts';
import { dataOf, epochMs, isoTime, str } from './common.ts';

/** Alertmanager's conventional severities; FlowLink's own is kept in `flowlink_severity`. */
export const ALERTMANAGER_SEVERITY: Record<AuditSeverity, 'critical' | 'warning' | 'info'> = { critical: 'critical', high: 'critical', medium: 'warning', low: 'info', info: 'info' };

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

const LABEL_VALUE_MAX = 256;
const clip = (s: string, n = LABEL_VALUE_MAX) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Audit events as Alertmanager alerts (POST /api/v2/alerts, an array of postable alerts).
 * An audit event happened once, so each alert ends `resolveAfterMs` after it started.
 * The event id is a label: a re-sent batch updates the same alerts instead of adding new ones.
 */
export function toAlerts(events: readonly SiemEvent[], opts: { resolveAfterMs: number; generatorUrl?: string | undefined }): PostableAlert[] {
  return events.map((e) => {
    const d = dataOf(e);
    const labels: Record<string, string> = {
      alertname: `FlowLink ${e.kind}`,
      severity: ALERTMANAGER_SEVERITY[e.severity],
      flowlink_severity: e.severity,
      flowlink_kind: e.kind,
      flowlink_code: e.code,
      flowlink_org: e.org_id,
      flowlink_event_id: e.id,
      outcome: e.outcome,
    };
    if (str(d.server)) labels.server = clip(d.server as string);
    if (str(d.tool)) labels.tool = clip(d.tool as string);
    const description = isAuditKind(e.kind) ? AuditCatalog[e.kind].description : e.kind;
    const actor = `${e.actor_type}${e.actor_id ? `:${e.actor_id}` : ''}`;
    const start = epochMs(e.ts);
    const alert: PostableAlert = {
      labels,
      annotations: {
        summary: clip(`${e.kind} (${e.outcome}) by ${actor}${labels.server ? ` on ${labels.server}${labels.tool ? `/${labels.tool}` : ''}` : ''}`, 512),
        description: clip(description, 1024),
        seq: String(e.seq),
        data: clip(JSON.stringify(e.data ?? null), 4096),
      },
      startsAt: isoTime(e.ts),
      endsAt: new Date(start + opts.resolveAfterMs).toISOString(),
    };
    if (opts.generatorUrl) alert.generatorURL = opts.generatorUrl;
    return alert;
  });
}
