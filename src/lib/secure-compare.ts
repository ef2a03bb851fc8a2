import { createHash, timingSafeEqual, randomBytes } from 'node:crypto';

/** Constant-time comparison of two strings of any length (compares their SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A random token with a readable prefix, e.g. `fl_agent_…`; 32 bytes of entropy. */
export function randomToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function randomId(): string {
  return randomBytes(12).toString('base64url');
}
