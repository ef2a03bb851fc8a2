import { FlowLinkError, type Result } from '../lib/errors.ts';

export type BackendKind = 'builtin' | 'vault' | 'env' | 'file';

/** Secret names: letters, digits, `_`, `.`, `-`; they appear in placeholders and in `[secret:NAME]`. */
export const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
export const MAX_VALUE_BYTES = 64 * 1024;
export const MAX_REFERENCE_CHARS = 1024;
/** Shorter values cannot be redacted from output without destroying it, so they are refused. */
export const MIN_VALUE_CHARS = 4;

/** Where a value comes from: `vault:kv/data/prod/db#password`, `env:NAME`, `file:/path`, or a built-in name. */
export type SecretRef =
  | { backend: 'builtin'; name: string }
  | { backend: 'vault'; path: string; field: string }
  | { backend: 'env'; variable: string }
  | { backend: 'file'; path: string };

/** Variables FlowLink itself depends on; an `env:` reference may never read them. */
const PROTECTED_ENV = /^(FLOWLINK_|DATABASE_URL$|PG(PASSWORD|PASSFILE)$)/;

export function parseRef(text: string): Result<SecretRef> {
  const bad = (m: string): Result<SecretRef> => ({ ok: false, error: new FlowLinkError('invalid_params', m) });
  if (text.length > MAX_REFERENCE_CHARS) return bad(`a secret reference is at most ${MAX_REFERENCE_CHARS} characters`);
  const i = text.indexOf(':');
  if (i < 0) return NAME_RE.test(text) ? { ok: true, value: { backend: 'builtin', name: text } } : bad('a secret name uses letters, digits, "_", "." and "-", starts with a letter, and is at most 128 characters');
  const scheme = text.slice(0, i);
  const rest = text.slice(i + 1);
  if (scheme === 'vault') {
    const m = /^([A-Za-z0-9_.\-/]+)#([A-Za-z0-9_.-]+)$/.exec(rest);
    if (!m || m[1]!.includes('..') || m[1]!.startsWith('/')) return bad('a Vault reference looks like vault:kv/data/prod/db#password (mount/data/path#field)');
    if (!/^[^/]+\/data\/.+/.test(m[1]!)) return bad('a Vault KV v2 reference names the data path: vault:<mount>/data/<path>#<field>');
    return { ok: true, value: { backend: 'vault', path: m[1]!, field: m[2]! } };
  }
  if (scheme === 'env') {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(rest)) return bad('an environment reference looks like env:NAME');
    if (PROTECTED_ENV.test(rest)) return bad(`env:${rest} is FlowLink's own setting and cannot be used as a secret`);
    return { ok: true, value: { backend: 'env', variable: rest } };
  }
  if (scheme === 'file') {
    if (!rest.startsWith('/') || rest.includes('\0') || rest.split('/').includes('..')) return bad('a file reference is an absolute path without "..": file:/run/secrets/db');
    return { ok: true, value: { backend: 'file', path: rest } };
  }
  return bad(`unknown secret backend "${scheme.slice(0, 32)}" (use vault:, env:, file: or a plain name)`);
}

export function formatRef(r: SecretRef): string {
  switch (r.backend) {
    case 'builtin':
      return r.name;
    case 'vault':
      return `vault:${r.path}#${r.field}`;
    case 'env':
      return `env:${r.variable}`;
    case 'file':
      return `file:${r.path}`;
  }
}

/** Who did something, for version history and audit. */
export interface Actor {
  type: 'user' | 'agent' | 'system';
  id: string;
}
