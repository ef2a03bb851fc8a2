import { createHmac } from 'node:crypto';
import { safeEqual } from '../../lib/secure-compare.ts';

/** Slack refuses replays older than five minutes; so do we. */
export const MAX_SKEW_S = 5 * 60;

export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
}

/**
 * Verifies Slack's request signature (v0: HMAC-SHA256 over "v0:<timestamp>:<raw body>")
 * in constant time, and refuses requests whose timestamp is more than five minutes off.
 */
export function verifySlackSignature(secret: string, h: { timestamp: unknown; signature: unknown }, rawBody: string, nowMs: number): { ok: true } | { ok: false; message: string } {
  const ts = typeof h.timestamp === 'string' ? h.timestamp : '';
  const sig = typeof h.signature === 'string' ? h.signature : '';
  if (!/^\d{1,12}$/.test(ts) || !sig) return { ok: false, message: 'missing Slack signature headers' };
  if (Math.abs(nowMs / 1000 - Number(ts)) > MAX_SKEW_S) return { ok: false, message: 'the Slack request timestamp is more than five minutes off' };
  if (!safeEqual(sig, slackSignature(secret, ts, rawBody))) return { ok: false, message: 'the Slack signature does not match' };
  return { ok: true };
}
