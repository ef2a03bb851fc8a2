import { hostname } from 'node:os';
import { SinkError, type SiemEvent, type SiemSink } from '../siem.types.ts';
import { readHecAnswer, toHecBody } from '../formats/hec.ts';
import type { JsonFormat } from '../formats/webhook.ts';
import { displayUrl, post } from '../transports/http.ts';
import { credential, withPath, type Credential, type SinkBase } from './common.ts';

export const HEC_PATH = '/services/collector/event';

/**
 * Splunk HTTP Event Collector: a batch of JSON events to /services/collector/event with
 * `Authorization: Splunk <token>`. Indexer acknowledgement is not used: a 200 with code 0
 * counts as delivered (turn ACK off on the token, or HEC answers code 10).
 */
export function createHecSink(o: SinkBase & { url: string; token: Credential; format?: JsonFormat; index?: string | undefined; source?: string; sourcetype?: string; host?: string }): SiemSink {
  // A URL given as …/services/collector (HEC's other spelling) gets /event, anything else the whole path.
  const url = /\/services\/collector\/?$/.test(new URL(o.url).pathname) ? withPath(o.url, '/event') : withPath(o.url, HEC_PATH);
  const opts = { format: o.format ?? 'flowlink', host: o.host ?? hostname(), source: o.source ?? 'flowlink', sourcetype: o.sourcetype ?? 'flowlink:audit', index: o.index } as const;
  return {
    id: o.id,
    type: 'splunk-hec',
    filter: o.filter,
    batchSize: o.batchSize,
    acknowledged: true,
    target: displayUrl(url),
    async send(events: readonly SiemEvent[]) {
      if (!events.length) return;
      const headers = { 'content-type': 'application/json', authorization: `Splunk ${await credential(o.token)}` };
      const r = await post(`splunk-hec ${o.id}`, url, headers, toHecBody(events, opts), o.timeoutMs ?? 10_000);
      const a = readHecAnswer(r.status, r.text);
      if (!a.ok) throw new SinkError(`splunk-hec ${o.id}: ${a.message}`, a.retryable);
    },
  };
}
