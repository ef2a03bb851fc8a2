import { FLOWLINK_CLIENT_INFO } from '../../gateway/registry.ts';
import type { SiemEvent } from '../siem.types.ts';

export const PRODUCT = { vendor: 'FlowLink', name: 'FlowLink', version: FLOWLINK_CLIENT_INFO.version } as const;

/** The store returns timestamptz as a Date (PGlite) or a string; formats want one ISO string. */
export function isoTime(ts: unknown): string {
  return new Date(ts as string | Date).toISOString();
}

export function epochMs(ts: unknown): number {
  return new Date(ts as string | Date).getTime();
}

/** A record's fields as they leave FlowLink in the native JSON format (the hash chain included, so receivers can check it). */
export function toFlowLinkJson(e: SiemEvent) {
  return {
    id: e.id,
    org_id: e.org_id,
    seq: Number(e.seq),
    ts: isoTime(e.ts),
    kind: e.kind,
    code: e.code,
    severity: e.severity,
    actor_type: e.actor_type,
    actor_id: e.actor_id,
    outcome: e.outcome,
    data: e.data,
    prev_hash: e.prev_hash,
    hash: e.hash,
  };
}

export const dataOf = (e: SiemEvent): Record<string, unknown> => (e.data && typeof e.data === 'object' && !Array.isArray(e.data) ? (e.data as Record<string, unknown>) : {});

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
