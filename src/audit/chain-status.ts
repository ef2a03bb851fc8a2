import type { Store } from '../store/store.ts';
import { auditRepo } from './audit.repo.ts';
import { checkpointRepo } from './checkpoint.repo.ts';
import { exportCheckpoint, type ExportedCheckpoint } from './checkpoint.ts';
import { verifyStoredLog } from './verify.store.ts';
import type { VerifyProblem } from './verify.ts';

export const DEFAULT_STATUS_RECORDS = 10_000;
export const MAX_STATUS_RECORDS = 200_000;
const MAX_LISTED = 20;

export interface ChainStatus {
  intact: boolean;
  /** The first problem's seq, or null when intact. */
  broken_at: number | null;
  problems: VerifyProblem[];
  more_problems: boolean;
  /** The range verified: the newest `records` records, linked to the one before them. */
  from_seq: number;
  last_seq: number;
  records: number;
  /** Where the chain begins (1, or the seq an approved purge left). */
  begins_at: number;
  checkpoints_checked: number;
  checkpoint: { seq: number; hash: string; ts: string; key_id: string } | null;
}

/**
 * An org's chain status for the console: verifies the newest `last` records (bounded, so
 * it stays fast on a large log; `flowlink audit verify` checks everything) and reports the
 * latest signed checkpoint.
 */
export async function chainStatus(store: Store, orgId: string, last = DEFAULT_STATUS_RECORDS): Promise<ChainStatus> {
  const n = Math.max(1, Math.min(last, MAX_STATUS_RECORDS));
  const head = await auditRepo.head(store, orgId);
  const fromSeq = Math.max(1, Number(head?.seq ?? 0) - n + 1);
  const r = await verifyStoredLog(store, { orgId, fromSeq, maxProblems: MAX_LISTED });
  const cp = await checkpointRepo.latest(store, orgId);
  return {
    intact: r.ok,
    broken_at: r.problems[0]?.seq ?? null,
    problems: r.problems,
    more_problems: r.moreProblems,
    from_seq: r.fromSeq,
    last_seq: r.lastSeq,
    records: r.records,
    begins_at: r.beginsAt,
    checkpoints_checked: r.checkpointsChecked,
    checkpoint: cp ? { seq: cp.seq, hash: cp.hash, ts: cp.ts, key_id: cp.key_id } : null,
  };
}

/** The org's latest stored checkpoint as a self-contained file (undefined when none was signed yet). */
export async function latestExportedCheckpoint(store: Store, org: { id: string; name: string }): Promise<ExportedCheckpoint | undefined> {
  const cp = await checkpointRepo.latest(store, org.id);
  if (!cp) return undefined;
  const pub = (await checkpointRepo.keys(store)).find((k) => k.id === cp.key_id)?.public_key;
  return pub ? exportCheckpoint(cp, org.name, pub) : undefined;
}
