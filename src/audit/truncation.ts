import { sign } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.ts';
import { verifyCheckpointSignature, type SigningKey } from './checkpoint.ts';

/**
 * A signed truncation marker: "org X's log legitimately begins at `below_seq`, whose
 * record links to `anchor_hash`" (the hash of the last purged record). Written when an
 * approved retention purge deletes old records, so verification starts there instead of
 * reporting the purged records as missing. Pure; rows live in retention.repo.ts.
 */
export const TRUNCATION_FORMAT = 'flowlink-audit-truncation';

export interface SignedTruncation {
  org_id: string;
  below_seq: number;
  anchor_hash: string;
  ts: string;
  key_id: string;
  signature: string;
  request_id: string;
}

function payload(t: Omit<SignedTruncation, 'signature'>): Buffer {
  return Buffer.from(canonicalJson({ format: TRUNCATION_FORMAT, version: 1, org_id: t.org_id, below_seq: t.below_seq, anchor_hash: t.anchor_hash, ts: t.ts, key_id: t.key_id, request_id: t.request_id }));
}

export function signTruncation(t: Omit<SignedTruncation, 'signature' | 'key_id'>, key: SigningKey): SignedTruncation {
  const body = { ...t, key_id: key.id };
  return { ...body, signature: sign(null, payload(body), key.privateKey).toString('base64') };
}

/** Checks the marker's signature with the stored public key of its key id. */
export function verifyTruncationSignature(t: SignedTruncation, publicKey: string): boolean {
  // The checkpoint verifier checks the key type and id; it is reused with this marker's own payload.
  return verifyCheckpointSignature({ org_id: t.org_id, seq: t.below_seq, hash: t.anchor_hash, ts: t.ts, key_id: t.key_id, signature: t.signature }, publicKey, payload(t));
}
