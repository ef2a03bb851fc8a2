import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

/**
 * Envelope encryption for secret values, pure over bytes (no I/O, no state):
 *
 *   value ──AES-256-GCM(data key, AD)──▶ ciphertext
 *   data key ──wrap to org public key──▶ wrapped key
 *     wrap = ephemeral X25519 ⊗ org public key → HKDF-SHA256 → AES-256-GCM key-wrap (AD)
 *   org private key ──AES-256-GCM(master key, org id ‖ key id)──▶ sealed private key
 *
 * The associated data binds a ciphertext to its org, name and version, so a row copied
 * to another org or name fails to decrypt. Randomness comes from `rand` so tests can fix
 * every nonce and key (fixed vectors); production uses crypto.randomBytes.
 */
export type Rand = (n: number) => Buffer;
export const defaultRand: Rand = (n) => randomBytes(n);

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_INFO = Buffer.from('flowlink/secrets/v1/data-key-wrap');
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

/** Raised for every failed decryption: one message, whatever went wrong (tag, AD, key). */
export class SecretCryptoError extends Error {
  constructor(message = 'decryption failed (wrong key, wrong associated data or tampered ciphertext)') {
    super(message);
    this.name = 'SecretCryptoError';
  }
}

export interface OrgKeyPair {
  /** Raw 32-byte X25519 keys. */
  publicKey: Buffer;
  privateKey: Buffer;
}

export interface SecretAd {
  orgId: string;
  name: string;
  version: number;
}

/** A data key wrapped to one org public key. */
export interface WrappedKey {
  /** The ephemeral public key (32 bytes). */
  epk: Buffer;
  nonce: Buffer;
  /** Encrypted data key followed by its GCM tag (48 bytes). */
  wrapped: Buffer;
}

/** One encrypted secret value; `keyId` names the org key pair the data key is wrapped to. */
export interface SealedValue {
  nonce: Buffer;
  /** Ciphertext followed by its GCM tag. */
  ciphertext: Buffer;
  key: WrappedKey;
}

function privateKeyObject(raw: Buffer): KeyObject {
  if (raw.length !== KEY_BYTES) throw new SecretCryptoError('an X25519 private key is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(raw: Buffer): KeyObject {
  if (raw.length !== KEY_BYTES) throw new SecretCryptoError('an X25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' });
}

/** The public half of a raw X25519 private key. */
export function publicKeyOf(privateKey: Buffer): Buffer {
  const der = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - KEY_BYTES));
}

/** A new org key pair (the private key from `rand`, so fixed in tests). */
export function generateOrgKeyPair(rand: Rand = defaultRand): OrgKeyPair {
  const privateKey = rand(KEY_BYTES);
  return { privateKey, publicKey: publicKeyOf(privateKey) };
}

/** A short, non-secret name for a public key (shown by `verify` and in audit events). */
export function fingerprint(publicKey: Buffer): string {
  return createHash('sha256').update('flowlink/secrets/v1/fingerprint').update(publicKey).digest('hex').slice(0, 32);
}

/** Length-prefixed, so ("a", "bc") and ("ab", "c") never produce the same bytes. */
function encodeAd(parts: readonly string[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const b = Buffer.from(p, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    chunks.push(len, b);
  }
  return Buffer.concat(chunks);
}

export function secretAd(ad: SecretAd): Buffer {
  return encodeAd(['flowlink/secret/v1', ad.orgId, ad.name, String(ad.version)]);
}

function seal(key: Buffer, nonce: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  c.setAAD(aad);
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

function open(key: Buffer, nonce: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (key.length !== KEY_BYTES || nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) throw new SecretCryptoError();
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
  } catch {
    throw new SecretCryptoError();
  }
}

function wrapKek(shared: Buffer, epk: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, recipient]), WRAP_INFO, KEY_BYTES));
}

/** Wraps a data key to an org public key (ephemeral X25519 + HKDF-SHA256 + AES-256-GCM). */
export function wrapDataKey(dataKey: Buffer, orgPublicKey: Buffer, ad: Buffer, rand: Rand = defaultRand): WrappedKey {
  if (dataKey.length !== KEY_BYTES) throw new SecretCryptoError('a data key is 32 bytes');
  const eph = rand(KEY_BYTES);
  const epk = publicKeyOf(eph);
  const shared = diffieHellman({ privateKey: privateKeyObject(eph), publicKey: publicKeyObject(orgPublicKey) });
  const kek = wrapKek(shared, epk, orgPublicKey);
  const nonce = rand(NONCE_BYTES);
  return { epk, nonce, wrapped: seal(kek, nonce, dataKey, ad) };
}

export function unwrapDataKey(w: WrappedKey, orgPrivateKey: Buffer, ad: Buffer): Buffer {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: privateKeyObject(orgPrivateKey), publicKey: publicKeyObject(w.epk) });
  } catch {
    throw new SecretCryptoError();
  }
  return open(wrapKek(shared, w.epk, publicKeyOf(orgPrivateKey)), w.nonce, w.wrapped, ad);
}

/** Encrypts one value under a fresh data key wrapped to the org's public key. */
export function encryptValue(value: Buffer, ad: SecretAd, orgPublicKey: Buffer, rand: Rand = defaultRand): SealedValue {
  const aad = secretAd(ad);
  const dataKey = rand(KEY_BYTES);
  try {
    const nonce = rand(NONCE_BYTES);
    return { nonce, ciphertext: seal(dataKey, nonce, value, aad), key: wrapDataKey(dataKey, orgPublicKey, aad, rand) };
  } finally {
    dataKey.fill(0);
  }
}

export function decryptValue(sealed: SealedValue, ad: SecretAd, orgPrivateKey: Buffer): Buffer {
  const aad = secretAd(ad);
  const dataKey = unwrapDataKey(sealed.key, orgPrivateKey, aad);
  try {
    return open(dataKey, sealed.nonce, sealed.ciphertext, aad);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Re-wraps a value's data key from the old org key to the new one. The value's
 * ciphertext is untouched: only the data key is ever in plaintext here, and only
 * between the unwrap and the wrap.
 */
export function rewrapDataKey(w: WrappedKey, oldPrivateKey: Buffer, newPublicKey: Buffer, ad: SecretAd, rand: Rand = defaultRand): WrappedKey {
  const aad = secretAd(ad);
  const dataKey = unwrapDataKey(w, oldPrivateKey, aad);
  try {
    return wrapDataKey(dataKey, newPublicKey, aad, rand);
  } finally {
    dataKey.fill(0);
  }
}

/** The sealed form of an org private key under the master key. */
export interface SealedPrivateKey {
  nonce: Buffer;
  ciphertext: Buffer;
}

function orgKeyAd(orgId: string, keyId: string): Buffer {
  return encodeAd(['flowlink/org-key/v1', orgId, keyId]);
}

export function sealPrivateKey(privateKey: Buffer, masterKey: Buffer, orgId: string, keyId: string, rand: Rand = defaultRand): SealedPrivateKey {
  if (masterKey.length !== KEY_BYTES) throw new SecretCryptoError('the master key is 32 bytes');
  const nonce = rand(NONCE_BYTES);
  return { nonce, ciphertext: seal(masterKey, nonce, privateKey, orgKeyAd(orgId, keyId)) };
}

export function openPrivateKey(sealed: SealedPrivateKey, masterKey: Buffer, orgId: string, keyId: string): Buffer {
  return open(masterKey, sealed.nonce, sealed.ciphertext, orgKeyAd(orgId, keyId));
}

/** Serialized forms stored in the database (base64 fields, versioned). */
export function packValue(v: SealedValue): string {
  return JSON.stringify({ v: 1, n: v.nonce.toString('base64'), c: v.ciphertext.toString('base64'), k: packWrapped(v.key) });
}

export function unpackValue(s: string): SealedValue {
  const o = JSON.parse(s) as { v: number; n: string; c: string; k: string };
  if (o.v !== 1) throw new SecretCryptoError('unknown sealed value format');
  return { nonce: Buffer.from(o.n, 'base64'), ciphertext: Buffer.from(o.c, 'base64'), key: unpackWrapped(o.k) };
}

export function packWrapped(w: WrappedKey): string {
  return [w.epk, w.nonce, w.wrapped].map((b) => b.toString('base64')).join('.');
}

export function unpackWrapped(s: string): WrappedKey {
  const [epk, nonce, wrapped] = s.split('.').map((p) => Buffer.from(p, 'base64'));
  if (!epk || !nonce || !wrapped) throw new SecretCryptoError('malformed wrapped key');
  return { epk, nonce, wrapped };
}

export function packPrivateKey(s: SealedPrivateKey): string {
  return `${s.nonce.toString('base64')}.${s.ciphertext.toString('base64')}`;
}

export function unpackPrivateKey(s: string): SealedPrivateKey {
  const [nonce, ciphertext] = s.split('.').map((p) => Buffer.from(p, 'base64'));
  if (!nonce || !ciphertext) throw new SecretCryptoError('malformed sealed private key');
  return { nonce, ciphertext };
}
