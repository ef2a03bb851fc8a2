import { generateHOTP, createTOTPKeyURI } from '@oslojs/otp';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { randomBytes } from 'node:crypto';
import { safeEqual, sha256Hex } from '../lib/secure-compare.ts';

export const TOTP_PERIOD_S = 30;
const DIGITS = 6;
/** One step either side absorbs clock drift between the phone and the server. */
const DRIFT_STEPS = 1;

export function newTotpSecret(): Uint8Array {
  return new Uint8Array(randomBytes(20));
}

export function totpUri(issuer: string, account: string, key: Uint8Array): string {
  return createTOTPKeyURI(issuer, account, key, TOTP_PERIOD_S, DIGITS);
}

export function base32(key: Uint8Array): string {
  return encodeBase32UpperCaseNoPadding(key);
}

export function totpAt(key: Uint8Array, step: number): string {
  return generateHOTP(key, BigInt(step), DIGITS);
}

/**
 * Checks a TOTP code and returns the time step it matched, which must be later than the
 * last accepted step (stored per user): a code, once used, cannot be replayed within its
 * window, nor can an older code from the drift window.
 */
export function matchTotp(key: Uint8Array, code: string, nowMs: number, lastStep: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const current = Math.floor(nowMs / 1000 / TOTP_PERIOD_S);
  let matched: number | undefined;
  for (let s = current - DRIFT_STEPS; s <= current + DRIFT_STEPS; s++) {
    if (safeEqual(totpAt(key, s), code) && s > lastStep && matched === undefined) matched = s;
  }
  return matched;
}

/** Ten recovery codes (50 bits each, grouped for reading); only their SHA-256 is stored. */
export function newRecoveryCodes(n = 10): string[] {
  return Array.from({ length: n }, () => {
    const s = encodeBase32UpperCaseNoPadding(new Uint8Array(randomBytes(7))).slice(0, 10).toLowerCase();
    return `${s.slice(0, 5)}-${s.slice(5)}`;
  });
}

export function hashRecoveryCode(code: string): string {
  return sha256Hex(code.trim().toLowerCase().replace(/[^a-z0-9]/g, ''));
}
