import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KEY_BYTES } from './crypto.ts';

export const MASTER_KEY_ENV = 'FLOWLINK_MASTER_KEY';
export const MASTER_KEY_FILE_ENV = 'FLOWLINK_MASTER_KEY_FILE';
export const DEMO_KEY_FILE = 'master.key';

export type MasterKeyResult =
  | { ok: true; key: Buffer; source: 'env' | 'file' | 'demo-file'; warning?: string }
  | { ok: false; code: 'missing' | 'malformed' | 'weak' | 'file_unreadable' | 'file_permissions'; message: string };

/**
 * A 32-byte key that is not obviously weak: random bytes have ~28 distinct values in 32,
 * so fewer than 16, or a repeating or counting pattern, means it was typed, not generated.
 */
export function weakness(key: Buffer): string | undefined {
  if (key.length !== KEY_BYTES) return `it is ${key.length} bytes; it must be exactly ${KEY_BYTES} (base64 of 32 random bytes)`;
  if (new Set(key).size < 16) return 'it has too few distinct bytes to be random (generate one with: openssl rand -base64 32)';
  let run = 0;
  for (let i = 1; i < key.length; i++) if (key[i]! - key[i - 1]! === key[1]! - key[0]!) run++;
  if (run >= key.length - 2) return 'it is a counting pattern, not random bytes';
  return undefined;
}

function decode(text: string): Buffer | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)) return undefined;
  return Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * Finds and validates the master key that seals org private keys: $FLOWLINK_MASTER_KEY
 * (base64 of 32 bytes), else the file named by $FLOWLINK_MASTER_KEY_FILE (same content,
 * mode 0600 or stricter). Outside demo mode a missing or weak key is refused; in demo
 * mode a key file is generated in the data folder (mode 0600) with a warning. Messages
 * name the variable or file, never any part of the key.
 */
export function loadMasterKey(opts: { env: NodeJS.ProcessEnv; demo: boolean; dataDir?: string | undefined }): MasterKeyResult {
  const fromEnv = opts.env[MASTER_KEY_ENV];
  const file = opts.env[MASTER_KEY_FILE_ENV];
  if (fromEnv) return check(decode(fromEnv), 'env', `$${MASTER_KEY_ENV}`);
  if (file) return readKeyFile(file, 'file');
  if (!opts.demo) {
    return { ok: false, code: 'missing', message: `no master key: set $${MASTER_KEY_ENV} to base64 of 32 random bytes (openssl rand -base64 32) or $${MASTER_KEY_FILE_ENV} to a file holding it (mode 0600)` };
  }
  if (!opts.dataDir) return { ok: false, code: 'missing', message: `demo mode without a data folder: set $${MASTER_KEY_ENV}` };
  const path = join(opts.dataDir, DEMO_KEY_FILE);
  if (!existsSync(path)) {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  }
  const r = readKeyFile(path, 'demo-file');
  return r.ok ? { ...r, warning: `demo mode: secrets are sealed with a generated master key in ${path}; set $${MASTER_KEY_ENV} in production and keep it outside the data folder` } : r;
}

function readKeyFile(path: string, source: 'file' | 'demo-file'): MasterKeyResult {
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0) return { ok: false, code: 'file_permissions', message: `master key file ${path} is readable by group or others; chmod 600 it` };
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, code: 'file_unreadable', message: `cannot read master key file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  return check(decode(text), source, `master key file ${path}`);
}

function check(key: Buffer | undefined, source: 'env' | 'file' | 'demo-file', where: string): MasterKeyResult {
  if (!key) return { ok: false, code: 'malformed', message: `${where} is not base64 of 32 bytes (generate one with: openssl rand -base64 32)` };
  const weak = weakness(key);
  if (weak) return { ok: false, code: 'weak', message: `${where} is refused: ${weak}` };
  return { ok: true, key, source };
}
