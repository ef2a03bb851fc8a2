import { createHmac } from 'node:crypto';
import type { SiemEvent, SiemSink } from './types.ts';

export const SIGNATURE_HEADER = 'x-flowlink-signature';
export const TIMESTAMP_HEADER = 'x-flowlink-timestamp';

/** HMAC-SHA256 over `timestamp.body`, hex: what the receiver recomputes (with a constant-time compare). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Generic JSON webhook: POST {"events":[...]} signed with HMAC-SHA256. */
export function createWebhookSink(opts: { id: string; url: string; secret: string; timeoutMs?: number; kinds?: string[]; minSeverity?: SiemSink['minSeverity'] }): SiemSink {
  return {
    id: opts.id,
    kinds: opts.kinds,
    minSeverity: opts.minSeverity,
    async send(events: readonly SiemEvent[]) {
      const body = JSON.stringify({ source: 'flowlink', events });
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: webhookSignature(opts.secret, ts, body) },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      await res.body?.cancel().catch(() => {});
      if (!res.ok) throw new Error(`webhook ${opts.id} answered HTTP ${res.status}`);
    },
  };
}
