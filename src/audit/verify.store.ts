import type { Store } from '../store/store.ts';
import { auditRepo } from './audit.repo.ts';
import { checkpointRepo } from './checkpoint.repo.ts';
import { verifyCheckpointSignature, type ExportedCheckpoint } from './checkpoint.ts';
import { retentionRepo } from './retention.repo.ts';
import { verifyTruncationSignature } from './truncation.ts';
import { createChainVerifier, type VerifyCheckpoint, type VerifyProblem, type VerifyReport } from './verify.ts';

export interface VerifyStoredOptions {
  orgId: string;
  fromSeq?: number;
  /** A checkpoint held outside the database (it verifies with the public key it carries). */
  exported?: ExportedCheckpoint;
  pageSize?: number;
  maxProblems?: number;
  onProgress?: (p: { seq: number; records: number }) => void;
}

/**
 * Reads an org's log page by page and verifies it, together with the checkpoints stored
 * in the database (their signatures checked against the stored public keys) and an
 * optional exported checkpoint.
 */
export async function verifyStoredLog(store: Store, opts: VerifyStoredOptions): Promise<VerifyReport & { beginsAt: number }> {
  let fromSeq = opts.fromSeq ?? 1;
  const pageSize = opts.pageSize ?? 5000;
  const early: VerifyProblem[] = [];
  const checkpoints: VerifyCheckpoint[] = [];
  const keys = new Map((await checkpointRepo.keys(store)).map((k) => [k.id, k.public_key]));
  // An approved retention purge left a signed marker: the chain legitimately begins there,
  // linked to the hash of the last purged record. An unsigned or forged marker is ignored
  // (and reported), so the purged range shows up as missing records.
  let anchorHash: string | undefined;
  let beginsAt = 1;
  const cut = await retentionRepo.truncation(store, opts.orgId);
  if (cut) {
    const pub = keys.get(cut.key_id);
    if (!pub || !verifyTruncationSignature(cut, pub)) early.push({ seq: cut.below_seq, kind: 'bad_signature', message: `the retention truncation marker at seq ${cut.below_seq} has an invalid signature (key ${cut.key_id.slice(0, 40)}): it is ignored` });
    else {
      beginsAt = cut.below_seq;
      if (fromSeq <= cut.below_seq) {
        fromSeq = cut.below_seq;
        anchorHash = cut.anchor_hash;
      }
    }
  }
  for (const c of await checkpointRepo.list(store, opts.orgId, fromSeq)) {
    const pub = keys.get(c.key_id);
    if (!pub || !verifyCheckpointSignature(c, pub)) early.push({ seq: c.seq, kind: 'bad_signature', message: `the stored checkpoint for seq ${c.seq} has an invalid signature (key ${c.key_id.slice(0, 40)}): the checkpoint table was tampered with` });
    else checkpoints.push({ seq: c.seq, hash: c.hash, source: `stored checkpoint of ${c.ts}` });
  }
  if (opts.exported) {
    const e = opts.exported;
    if (e.org_id !== opts.orgId) early.push({ seq: e.seq, kind: 'bad_signature', message: `the exported checkpoint is for org ${e.org_name.slice(0, 64)}, not this one` });
    else if (!verifyCheckpointSignature(e, e.public_key)) early.push({ seq: e.seq, kind: 'bad_signature', message: `the exported checkpoint (seq ${e.seq}) has a signature that does not verify: the file was altered` });
    else {
      if (keys.has(e.key_id) && keys.get(e.key_id) !== e.public_key) early.push({ seq: e.seq, kind: 'bad_signature', message: `the database holds a different public key under the key id of the exported checkpoint (seq ${e.seq})` });
      // A stored checkpoint for the same seq is replaced: the exported one is the outside witness.
      const i = checkpoints.findIndex((c) => c.seq === e.seq);
      if (i >= 0) checkpoints.splice(i, 1);
      if (e.seq >= fromSeq) checkpoints.push({ seq: e.seq, hash: e.hash, source: `exported checkpoint of ${e.ts}` });
    }
  }
  if (fromSeq > 1 && anchorHash === undefined) anchorHash = (await auditRepo.events(store, opts.orgId, fromSeq - 1, 1)).find((r) => Number(r.seq) === fromSeq - 1)?.hash;
  const verifier = createChainVerifier({ orgId: opts.orgId, fromSeq, anchorHash, checkpoints, maxProblems: opts.maxProblems });
  let next = fromSeq;
  let records = 0;
  for (;;) {
    const page = await auditRepo.events(store, opts.orgId, next, pageSize);
    for (const r of page) verifier.push(r);
    records += page.length;
    if (page.length < pageSize) break;
    next = Number(page[page.length - 1]!.seq) + 1;
    opts.onProgress?.({ seq: next - 1, records });
  }
  const report = verifier.finish();
  if (early.length) {
    report.problems = [...early, ...report.problems].sort((a, b) => a.seq - b.seq);
    report.ok = false;
  }
  return { ...report, beginsAt };
}
