import { json, startHttpReceiver, type ReceivedEvent } from './http-receiver.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const isTime = (v: unknown) => typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v));

/** Checks one postable alert the way Alertmanager's API v2 does; returns the problem or undefined. */
export function validateAlert(a: unknown): string | undefined {
  if (!a || typeof a !== 'object' || Array.isArray(a)) return 'alert must be an object';
  const o = a as Record<string, unknown>;
  const allowed = new Set(['labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL']);
  for (const k of Object.keys(o)) if (!allowed.has(k)) return `unknown field ${k}`;
  if (!o.labels || typeof o.labels !== 'object') return 'labels in body is required';
  const labels = Object.entries(o.labels as Record<string, unknown>);
  if (!labels.length) return 'at least one label pair required';
  for (const [k, v] of labels) {
    if (!LABEL_NAME.test(k)) return `invalid label name "${k}"`;
    if (typeof v !== 'string' || v === '') return `invalid label value for "${k}"`;
  }
  if (!labels.some(([k]) => k === 'alertname')) return 'alertname label missing';
  if (o.annotations !== undefined) for (const [k, v] of Object.entries(o.annotations as Record<string, unknown>)) if (!LABEL_NAME.test(k) || typeof v !== 'string') return `invalid annotation "${k}"`;
  if (o.startsAt !== undefined && !isTime(o.startsAt)) return 'startsAt must be an RFC 3339 date-time';
  if (o.endsAt !== undefined && !isTime(o.endsAt)) return 'endsAt must be an RFC 3339 date-time';
  if (o.startsAt && o.endsAt && Date.parse(o.endsAt as string) < Date.parse(o.startsAt as string)) return 'start time must be before end time';
  if (o.generatorURL !== undefined && (typeof o.generatorURL !== 'string' || !/^https?:\/\//.test(o.generatorURL))) return 'generatorURL must be a URI';
  return undefined;
}

/**
 * A fake Prometheus Alertmanager: POST /api/v2/alerts takes an array of postable alerts,
 * validated as Alertmanager does (400 with the reason otherwise). Down: 503.
 */
export async function startFakeAlertmanager() {
  const received: ReceivedEvent[] = [];
  const rejected: string[] = [];
  const r = await startHttpReceiver(
    (req, body, res) => {
      if (req.method !== 'POST' || req.url !== '/api/v2/alerts') return json(res, 404, { message: 'not found' });
      if (!/^application\/json/.test(String(req.headers['content-type']))) return json(res, 415, { message: 'content type must be application/json' });
      let alerts: unknown;
      try {
        alerts = JSON.parse(body);
      } catch {
        rejected.push('body is not JSON');
        return json(res, 400, { message: 'body is not JSON' });
      }
      if (!Array.isArray(alerts)) return rejected.push('not an array'), json(res, 400, { message: 'body must be an array of alerts' });
      for (const a of alerts) {
        const problem = validateAlert(a);
        if (problem) return rejected.push(problem), json(res, 400, { message: problem });
      }
      for (const a of alerts as { labels: Record<string, string>; annotations: Record<string, string> }[]) {
        received.push({ id: a.labels.flowlink_event_id!, seq: Number(a.annotations.seq), kind: a.labels.flowlink_kind!, org_id: a.labels.flowlink_org!, raw: a });
      }
      res.writeHead(200).end();
    },
    (res) => json(res, 503, { message: 'service unavailable' }),
  );
  return { ...r, url: r.base, received, rejected };
}
