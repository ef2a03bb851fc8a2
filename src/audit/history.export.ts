import type { CallRow } from './audit.repo.ts';

/**
 * The export shape of a command-history row (JSON Lines and CSV): flat, stable field
 * names, with the Shield verdict, risk and reasons and the policy and approval outcome
 * lifted out of `decision`, where the pipeline stages record them.
 */
export interface HistoryRecord {
  time: string;
  finished_at: string;
  call_id: string;
  audit_seq: number;
  agent: string | null;
  agent_id: string | null;
  server: string;
  tool: string;
  status: string;
  verdict: string | null;
  risk: number | null;
  reasons: string[];
  policy: string | null;
  approver: string | null;
  duration_ms: number;
  error: string | null;
  arguments: unknown;
  session_id: string | null;
  protocol: string | null;
}

export const CSV_COLUMNS: readonly (keyof HistoryRecord)[] = ['time', 'finished_at', 'call_id', 'audit_seq', 'agent', 'agent_id', 'server', 'tool', 'status', 'verdict', 'risk', 'reasons', 'policy', 'approver', 'duration_ms', 'error', 'arguments', 'session_id', 'protocol'];

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function historyRecord(r: CallRow): HistoryRecord {
  const d = obj(r.decision);
  const shield = obj(d.shield);
  const policy = obj(d.policy);
  const approval = obj(d.approval);
  const risk = shield.risk ?? d.risk;
  const reasons = Array.isArray(shield.reasons) ? shield.reasons : [];
  return {
    time: new Date(r.started_at).toISOString(),
    finished_at: new Date(r.finished_at).toISOString(),
    call_id: r.id,
    audit_seq: Number(r.audit_seq),
    agent: r.agent_name,
    agent_id: r.agent_id,
    server: r.server,
    tool: r.tool,
    status: r.status,
    verdict: str(shield.verdict) ?? str(d.verdict),
    risk: typeof risk === 'number' ? risk : null,
    reasons: reasons.map((x) => str(obj(x).rule) ?? '').filter(Boolean),
    policy: str(policy.rule) ?? str(policy.decision) ?? str(d.policy),
    approver: str(approval.approver) ?? str(approval.by),
    duration_ms: r.duration_ms,
    error: r.error,
    arguments: r.arguments,
    session_id: r.session_id,
    protocol: r.protocol,
  };
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled.
 * A text cell that a spreadsheet would run as a formula (= + - @, tab, CR first) gets a
 * leading apostrophe (OWASP CSV injection guidance); numbers are left as they are.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  let s = typeof v === 'string' ? v : Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join(';') : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(cols: readonly string[]): string {
  return cols.join(',') + '\r\n';
}

export function csvRow<T extends object>(cols: readonly (keyof T)[], rec: T): string {
  return cols.map((c) => csvField(rec[c])).join(',') + '\r\n';
}
