/**
 * Redaction of configuration for snapshots: values under credential-like keys, every server
 * env/header value (unless it is a {{secret:…}} reference, which names a secret and holds
 * no value) and passwords in URLs become "[redacted]". Pure.
 */
export const REDACTED = '[redacted]';
const CREDENTIAL_KEY = /pass(word|wd)?|secret|token|api[-_]?key|auth|credential|private[-_]?key|access[-_]?key|cookie|signing/i;
const REF = /^\s*\{\{secret(file)?:[^}]+\}\}\s*$/;
const CREDENTIAL_VALUE = /^(bearer|basic|token)\s+\S{8,}|\b(gh[pousr]_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|xox[abpors]-[A-Za-z0-9-]{10,})\b/i;

function redactUrl(v: string): string {
  try {
    const u = new URL(v);
    if (!u.password) return v;
    u.password = 'redacted';
    return u.toString();
  } catch {
    return v;
  }
}

function redactString(v: string): string {
  if (REF.test(v)) return v;
  if (CREDENTIAL_VALUE.test(v)) return REDACTED;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? redactUrl(v) : v;
}

export function redactValue(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return CREDENTIAL_KEY.test(key) && !REF.test(value) ? REDACTED : redactString(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = CREDENTIAL_KEY.test(k) && v !== null && typeof v !== 'object' && typeof v !== 'boolean' && !(typeof v === 'string' && REF.test(v)) ? REDACTED : redactValue(v, k);
    return out;
  }
  return value;
}

/** A server's config: every env and header value redacted except secret references. */
export function redactServer(cfg: Record<string, unknown>): Record<string, unknown> {
  const out = redactValue(cfg) as Record<string, unknown>;
  for (const k of ['env', 'headers']) {
    const m = cfg[k];
    if (m && typeof m === 'object') out[k] = Object.fromEntries(Object.entries(m as Record<string, string>).map(([n, v]) => [n, REF.test(v) ? v : REDACTED]));
  }
  return out;
}
