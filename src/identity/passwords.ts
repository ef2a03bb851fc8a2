import { hash, verify, Algorithm } from '@node-rs/argon2';
import { FlowLinkError, type Result } from '../lib/errors.ts';

/** Hashes and checks passwords. A factory, so tests can count hashes (enumeration tests). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

/** argon2id with the OWASP baseline (19 MiB, 2 passes, 1 lane): about 60 ms here. */
export function createArgon2Hasher(opts: { memoryCost?: number; timeCost?: number } = {}): PasswordHasher {
  const params = { algorithm: Algorithm.Argon2id, memoryCost: opts.memoryCost ?? 19_456, timeCost: opts.timeCost ?? 2, parallelism: 1 };
  return {
    hash: (password) => hash(password, params),
    async verify(h, password) {
      try {
        return await verify(h, password);
      } catch {
        return false;
      }
    },
  };
}

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
const COMMON = ['password', 'qwerty', '123456', '12345678', 'letmein', 'welcome', 'admin', 'flowlink', 'iloveyou', 'abc123', '111111', 'passw0rd'];

/**
 * The password policy (NIST 800-63B style): length matters, composition rules do not.
 * 12 to 128 characters, not mostly one character, not the address or a well-known password padded out.
 */
export function checkPassword(password: string, email: string): Result<string> {
  const fail = (message: string): Result<string> => ({ ok: false, error: new FlowLinkError('weak_password', message) });
  if (typeof password !== 'string' || [...password].length < PASSWORD_MIN) return fail(`the password must have at least ${PASSWORD_MIN} characters`);
  if ([...password].length > PASSWORD_MAX) return fail(`the password must have at most ${PASSWORD_MAX} characters`);
  if (new Set(password).size < 5) return fail('the password repeats too few different characters');
  const lower = password.toLowerCase();
  const local = email.toLowerCase().split('@')[0] ?? '';
  if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local))) return fail('the password must not contain the email address');
  const stripped = lower.replace(/[^a-z]/g, '');
  if (COMMON.some((c) => lower.startsWith(c) || stripped === c)) return fail('the password is too common');
  return { ok: true, value: password };
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{2,63}$/;

/** Normalizes an address for lookup (trim, lower case); undefined when it is not an address. */
export function normalizeEmail(raw: string): string | undefined {
  const e = raw.trim().toLowerCase();
  return e.length <= 254 && EMAIL.test(e) ? e : undefined;
}
