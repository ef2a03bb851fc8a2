import type { SiemEvent, SiemSink } from '../siem.types.ts';
import { toAlerts } from '../formats/alertmanager.ts';
import { displayUrl, expectOk, post } from '../transports/http.ts';
import { credential, withPath, type Credential, type SinkBase } from './common.ts';

export const ALERTS_PATH = '/api/v2/alerts';

/** Prometheus Alertmanager: POST /api/v2/alerts with one alert per audit event. */
export function createAlertmanagerSink(o: SinkBase & { url: string; token?: Credential | undefined; resolveAfterMs?: number; generatorUrl?: string | undefined }): SiemSink {
  const url = withPath(o.url, ALERTS_PATH);
  return {
    id: o.id,
    type: 'alertmanager',
    filter: o.filter,
    batchSize: o.batchSize,
    acknowledged: true,
    target: displayUrl(url),
    async send(events: readonly SiemEvent[]) {
      const body = JSON.stringify(toAlerts(events, { resolveAfterMs: o.resolveAfterMs ?? 5 * 60_000, generatorUrl: o.generatorUrl }));
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (o.token !== undefined) headers.authorization = `Bearer ${await credential(o.token)}`;
      expectOk(`alertmanager ${o.id}`, await post(`alertmanager ${o.id}`, url, headers, body, o.timeoutMs ?? 10_000));
    },
  };
}
