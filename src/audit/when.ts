import { FlowLinkError } from '../lib/errors.ts';
import { parseDuration } from '../config/schema.ts';

/** A point in time given as a duration back from now (7d, 12h, 30m) or a date (2026-01-31, 2026-01-31T12:00:00Z). */
export function parseWhen(v: string | undefined, name: string, now = Date.now()): Date | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^\d{1,6}(ms|s|m|h|d)$/.test(v)) return new Date(now - parseDuration(v));
  const d = new Date(v.slice(0, 40));
  if (/^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(d.getTime())) return d;
  throw new FlowLinkError('invalid_params', `${name} must be a duration such as 7d or 12h, or a date such as 2026-01-31`);
}

/** A duration (24h, 7d) in milliseconds, or the error naming the parameter. */
export function parseSpan(v: string, name: string): number {
  if (!/^\d{1,6}(ms|s|m|h|d)$/.test(v)) throw new FlowLinkError('invalid_params', `${name} must be a duration such as 1h, 24h or 7d`);
  return parseDuration(v);
}
