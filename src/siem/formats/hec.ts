import type { SiemEvent } from '../siem.types.ts';
import { epochMs, toFlowLinkJson } from './common.ts';
import { toOcsf } from './ocsf.ts';
import type { JsonFormat } from './webhook.ts';

export interface HecOptions {
  format: JsonFormat;
  host: string;
  source: string;
  sourcetype: string;
  index?: string | undefined;
}

/**
 * A Splunk HEC batch for /services/collector/event: event objects one after another (not a
 * JSON array). `time` is epoch seconds with milliseconds. The event carries its id, so a
 * re-sent batch can be deduplicated in Splunk (`dedup id` or `metadata.uid` for OCSF).
 */
export function toHecBody(events: readonly SiemEvent[], o: HecOptions): string {
  return events
    .map((e) =>
      JSON.stringify({
        time: epochMs(e.ts) / 1000,
        host: o.host,
        source: o.source,
        sourcetype: o.sourcetype,
        ...(o.index ? { index: o.index } : {}),
        event: o.format === 'ocsf' ? toOcsf(e) : toFlowLinkJson(e),
      }),
    )
    .join('\n');
}

/** HEC answer codes (Splunk "Troubleshoot HTTP Event Collector"): what each means for delivery. */
const HEC_CODES: Record<number, { text: string; retryable: boolean }> = {
  1: { text: 'token disabled', retryable: false },
  2: { text: 'token is required', retryable: false },
  3: { text: 'invalid authorization (the header must be "Splunk <token>")', retryable: false },
  4: { text: 'invalid token', retryable: false },
  5: { text: 'no data', retryable: false },
  6: { text: 'invalid data format', retryable: false },
  7: { text: 'incorrect index (not allowed for this token)', retryable: false },
  8: { text: 'internal server error', retryable: true },
  9: { text: 'server is busy', retryable: true },
  10: { text: 'data channel is missing', retryable: false },
  11: { text: 'invalid data channel', retryable: false },
  12: { text: 'event field is required', retryable: false },
  13: { text: 'event field cannot be blank', retryable: false },
  14: { text: 'ACK is disabled', retryable: false },
  18: { text: 'HEC is unhealthy (queues are full)', retryable: true },
};

/** Reads a HEC answer: ok, or what went wrong (only the code and Splunk's short text, bounded). */
export function readHecAnswer(status: number, body: string): { ok: true } | { ok: false; message: string; retryable: boolean } {
  let code: number | undefined;
  let text: string | undefined;
  try {
    const j = JSON.parse(body) as { code?: unknown; text?: unknown };
    if (typeof j.code === 'number') code = j.code;
    if (typeof j.text === 'string') text = j.text.slice(0, 120);
  } catch {
    // Not JSON (a proxy's error page): the status decides.
  }
  if (status >= 200 && status < 300 && (code === undefined || code === 0)) return { ok: true };
  const known = code !== undefined ? HEC_CODES[code] : undefined;
  const what = known?.text ?? text ?? 'no HEC code in the answer';
  const retryable = known ? known.retryable : status >= 500 || status === 429 || status === 408;
  return { ok: false, message: `HTTP ${status}${code !== undefined ? `, HEC code ${code}` : ''}: ${what}`, retryable };
}
