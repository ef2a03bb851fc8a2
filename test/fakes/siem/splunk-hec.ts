import { safeEqual } from '../../../src/lib/secure-compare.ts';
import { json, startHttpReceiver, type ReceivedEvent } from './http-receiver.ts';

/** Splits HEC's batch format (JSON objects one after another, whitespace between) into objects' texts. */
export function splitConcatenatedJson(text: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}') {
      if (--depth === 0) out.push(text.slice(start, i + 1));
      if (depth < 0) return undefined;
    } else if (depth === 0 && !/\s/.test(c)) return undefined;
  }
  return depth === 0 && !inString ? out : undefined;
}

/**
 * A fake Splunk HTTP Event Collector at /services/collector/event with Splunk's answers:
 * code 2 (no token, 401), 3 (not "Splunk <token>", 401), 4 (wrong token, 403), 5 (no
 * data), 6 (invalid data format), 12 (event field required), 13 (event blank); down: 503
 * code 9 "Server is busy". Success: 200 {"text":"Success","code":0}.
 */
export async function startFakeHec(token: string) {
  const received: ReceivedEvent[] = [];
  const answers: number[] = [];
  const answer = (res: Parameters<typeof json>[0], status: number, code: number, text: string) => (answers.push(code), json(res, status, { text, code }));
  const r = await startHttpReceiver(
    (req, body, res) => {
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/services/collector/event') return json(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
      const auth = req.headers.authorization;
      if (!auth) return answer(res, 401, 2, 'Token is required');
      const m = /^Splunk (\S+)$/.exec(auth);
      if (!m) return answer(res, 401, 3, 'Invalid authorization');
      if (!safeEqual(m[1]!, token)) return answer(res, 403, 4, 'Invalid token');
      if (!body.trim()) return answer(res, 400, 5, 'No data');
      const parts = splitConcatenatedJson(body);
      if (!parts) return answer(res, 400, 6, 'Invalid data format');
      const events: Record<string, unknown>[] = [];
      for (const p of parts) {
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(p) as Record<string, unknown>;
        } catch {
          return answer(res, 400, 6, 'Invalid data format');
        }
        if (!('event' in o)) return answer(res, 400, 12, 'Event field is required');
        if (o.event === '' || o.event === null || (typeof o.event === 'object' && !Object.keys(o.event as object).length)) return answer(res, 400, 13, 'Event field cannot be blank');
        if (o.time !== undefined && !(typeof o.time === 'number' || /^\d+(\.\d+)?$/.test(String(o.time)))) return answer(res, 400, 6, 'Invalid data format');
        events.push(o);
      }
      for (const o of events) {
        const e = o.event as Record<string, unknown>;
        if ((e as { class_uid?: unknown }).class_uid !== undefined) {
          const md = e.metadata as { uid: string; sequence: number; tenant_uid: string };
          received.push({ id: md.uid, seq: md.sequence, kind: (e.unmapped as { flowlink: { kind: string } }).flowlink.kind, org_id: md.tenant_uid, raw: o });
        } else received.push({ id: String(e.id), seq: Number(e.seq), kind: String(e.kind), org_id: String(e.org_id), raw: o });
      }
      answer(res, 200, 0, 'Success');
    },
    (res) => answer(res, 503, 9, 'Server is busy'),
  );
  return { ...r, url: r.base, received, answers };
}
