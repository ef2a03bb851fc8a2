import type { SiemEvent, SiemSink } from '../siem.types.ts';
import { webhookBody, webhookHeaders, type JsonFormat } from '../formats/webhook.ts';
import { displayUrl, expectOk, post } from '../transports/http.ts';
import { credential, type Credential, type SinkBase } from './common.ts';

/** Generic JSON webhook: POST {"source":"flowlink","format":…,"events":[…]} signed with HMAC-SHA256. */
export function createWebhookSink(o: SinkBase & { url: string; secret: Credential; format?: JsonFormat }): SiemSink {
  return {
    id: o.id,
    type: 'webhook',
    filter: o.filter,
    batchSize: o.batchSize,
    acknowledged: true,
    target: displayUrl(o.url),
    async send(events: readonly SiemEvent[]) {
      const body = webhookBody(events, o.format ?? 'flowlink');
      const headers = webhookHeaders(await credential(o.secret), body, String(Math.floor(Date.now() / 1000)));
      expectOk(`webhook ${o.id}`, await post(`webhook ${o.id}`, o.url, headers, body, o.timeoutMs ?? 10_000));
    },
  };
}
