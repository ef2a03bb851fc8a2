import type { AuditSeverity } from '../../audit/catalog.ts';
import { AuditCatalog, isAuditKind } from '../../audit/catalog.ts';
import type { SiemEvent } from '../siem.types.ts';
import { dataOf, epochMs, PRODUCT, str } from './common.ts';

/** CEF severity 0-10 (Low 0-3, Medium 4-6, High 7-8, Very-High 9-10). */
export const CEF_SEVERITY: Record<AuditSeverity, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };
const MSG_MAX = 1023;

/** Header fields: `\` and `|` are escaped; a header cannot hold a line break. */
export const cefHeader = (s: string) => s.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
/** Extension values: `\` and `=` are escaped, line breaks written as \n and \r. */
export const cefValue = (s: string) => s.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');

/**
 * One audit event as a CEF:0 line. Signature id is the stable event code; `externalId` is
 * the event id (receivers dedupe by it), `cn1` the per-org sequence number.
 */
export function toCef(e: SiemEvent): string {
  const d = dataOf(e);
  const name = isAuditKind(e.kind) ? AuditCatalog[e.kind].description : e.kind;
  const ext: [string, string | number | undefined][] = [
    ['rt', epochMs(e.ts)],
    ['externalId', e.id],
    ['cat', e.kind],
    ['outcome', e.outcome],
    ['suser', e.actor_id ?? undefined],
    ['cs1Label', 'org'],
    ['cs1', e.org_id],
    ['cs2Label', 'actorType'],
    ['cs2', e.actor_type],
    ['cs3Label', str(d.server) ? 'server' : undefined],
    ['cs3', str(d.server)],
    ['cs4Label', str(d.tool) ? 'tool' : undefined],
    ['cs4', str(d.tool)],
    ['cn1Label', 'seq'],
    ['cn1', Number(e.seq)],
    ['msg', JSON.stringify(e.data ?? null).slice(0, MSG_MAX)],
  ];
  const extension = ext
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${cefValue(String(v))}`)
    .join(' ');
  return ['CEF:0', PRODUCT.vendor, PRODUCT.name, PRODUCT.version, e.code, name, String(CEF_SEVERITY[e.severity])].map((h, i) => (i === 0 ? h : cefHeader(h))).join('|') + `|${extension}`;
}
