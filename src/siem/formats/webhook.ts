import { createHmac } from 'node:crypto';
import type { SiemEvent } from '../siem.types.ts';
import { toFlowLinkJson } from './common.ts';
import { toOcsf } from './ocsf.ts';

export const SIGNATURE_HEADER = 'x-flowlink-signature';
export const TIMESTAMP_HEADER = 'x-flowlink-timestamp';

/** HMAC-SHA256 over `timestamp.body`, hex: what the receiver recomputes (with a constant-time compare). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type JsonFormat = 'flowlink' | 'ocsf';

/** The generic webhook's body: `{"source":"flowlink","format":…,"events":[…]}`. Pure. */
export function webhookBody(events: readonly SiemEvent[], format: JsonFormat): string {
  return JSON.stringify({ source: 'flowlink', format, events: events.map((e) => (format === 'ocsf' ? toOcsf(e) : toFlowLinkJson(e))) });
}

/** Headers for one signed request; `ts` is Unix seconds. */
export function webhookHeaders(secret: string, body: string, ts: string): Record<string, string> {
  return { 'content-type': 'application/json', [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: webhookSignature(secret, ts, body) };
}
