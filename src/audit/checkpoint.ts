import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../lib/canonical-json.ts';
import { sha256Hex } from '../lib/secure-compare.ts';

/**
 * Signed checkpoints: "org X's log had record `seq` with hash `hash` at `ts`", signed with
 * Ed25519. Pure functions; keys come from keys.ts and rows from checkpoint.repo.ts.
 * Since each record's hash covers all before it, one checkpoint vouches for the whole
 * prefix; an exported checkpoint held elsewhere makes truncation of the tail detectable.
 */
export const CHECKPOINT_FORMAT = 'flowlink-audit-checkpoint';

export interface SignedCheckpoint {
  org_id: string;
  seq: number;
  hash: string;
  ts: string;
  key_id: string;
  signature: string;
}

export interface ExportedCheckpoint extends SignedCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  org_name: string;
  algorithm: 'ed25519';
  /** The signing key's public part (SPKI DER, base64), so the file verifies on its own. */
  public_key: string;
}

export interface SigningKey {
  id: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The bytes that are signed: the checkpoint's fields as canonical JSON, with the format tag. */
export function checkpointPayload(c: Omit<SignedCheckpoint, 'signature'>): Buffer {
  return Buffer.from(canonicalJson({ format: CHECKPOINT_FORMAT, version: 1, org_id: c.org_id, seq: c.seq, hash: c.hash, ts: c.ts, key_id: c.key_id }));
}

export function publicKeyB64(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

/** A key's id is derived from its public part, so the same key has the same id everywhere. */
export function keyIdOf(publicKey: KeyObject): string {
  return `ak_${sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 20)}`;
}

export function signCheckpoint(c: { org_id: string; seq: number; hash: string; ts: string }, key: SigningKey): SignedCheckpoint {
  const body = { ...c, key_id: key.id };
  return { ...body, signature: sign(null, checkpointPayload(body), key.privateKey).toString('base64') };
}

/** Checks the signature against a public key (SPKI DER base64) whose id must match the checkpoint's (`signed`: other signed statements reuse this check). */
export function verifyCheckpointSignature(c: SignedCheckpoint, publicKey: string, signed: Buffer = checkpointPayload(c)): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519' || keyIdOf(key) !== c.key_id) return false;
    return verify(null, signed, key, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

const ExportedSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(1),
  org_id: z.string().max(128),
  org_name: z.string().max(128),
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  ts: z.string().max(40),
  key_id: z.string().max(64),
  algorithm: z.literal('ed25519'),
  public_key: z.string().max(200),
  signature: z.string().max(200),
});

export function parseExportedCheckpoint(value: unknown): { ok: true; checkpoint: ExportedCheckpoint } | { ok: false; message: string } {
  const r = ExportedSchema.safeParse(value);
  if (!r.success) return { ok: false, message: `not a FlowLink audit checkpoint (${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; ')})` };
  return { ok: true, checkpoint: r.data };
}

/** The self-contained export of a stored checkpoint (what `audit checkpoint --export` and the API hand out). */
export function exportCheckpoint(c: SignedCheckpoint, orgName: string, publicKey: string): ExportedCheckpoint {
  return { format: CHECKPOINT_FORMAT, version: 1, org_id: c.org_id, org_name: orgName, seq: c.seq, hash: c.hash, ts: c.ts, key_id: c.key_id, algorithm: 'ed25519', public_key: publicKey, signature: c.signature };
}
