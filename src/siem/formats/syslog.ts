import type { AuditSeverity } from '../../audit/catalog.ts';
import type { SiemEvent } from '../siem.types.ts';
import { isoTime } from './common.ts';

/** RFC 5424 severities: 2 critical, 3 error, 4 warning, 5 notice, 6 informational. */
export const SYSLOG_SEVERITY: Record<AuditSeverity, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };
/** SD-ID under the documentation enterprise number (RFC 5612); receivers match on it. */
export const SD_ID = 'flowlink@32473';

export interface SyslogHeader {
  /** 0-23; 13 is "log audit", 10 "security/authorization (authpriv)". */
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
}

/** PRINTUSASCII (33-126) only, bounded; "-" when empty (the NILVALUE). */
const token = (s: string, max: number) => s.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';
const sdValue = (s: string) => s.replace(/["\\\]]/g, (c) => `\\${c}`);

/**
 * One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`.
 * MSGID is the event code, the structured data carries id, seq, org and kind, MSG is the
 * CEF line (MSG-ANY: no BOM, which most CEF receivers expect).
 */
export function toRfc5424(e: SiemEvent, h: SyslogHeader, msg: string): string {
  const pri = h.facility * 8 + SYSLOG_SEVERITY[e.severity];
  const sd = `[${SD_ID} id="${sdValue(e.id)}" seq="${Number(e.seq)}" org="${sdValue(e.org_id)}" kind="${sdValue(e.kind)}"]`;
  return `<${pri}>1 ${isoTime(e.ts)} ${token(h.hostname, 255)} ${token(h.appName, 48)} ${token(h.procId, 128)} ${token(e.code, 32)} ${sd} ${msg}`;
}

/** Octet-counting framing (RFC 6587 3.4.1, RFC 5425 4.3): `LEN SP MSG`, LEN in bytes. */
export function octetFrame(msg: string): string {
  return `${Buffer.byteLength(msg, 'utf8')} ${msg}`;
}
