import { chainHash, GENESIS_HASH, type ChainedFields } from './chain.ts';

/**
 * Verification of one org's hash chain. Pure: it is fed rows in seq order (one page at a
 * time, so a log of any length runs in constant memory) and reports each problem with
 * the sequence number where it sits and what is wrong there.
 *
 * What each check catches:
 *  - a record's own hash does not match its content → edited (or moved, when the content
 *    matches under another sequence number: renumbered after a deletion or insertion,
 *    or two records swapped);
 *  - a jump in sequence numbers → deleted records;
 *  - a record's prev_hash is not the previous record's hash → the previous record was
 *    rewritten with a recomputed hash, or records were removed and the rest re-chained;
 *  - a record differs from a checkpoint for its seq → history rewritten up to there;
 *  - the log ends before a checkpoint's seq → the tail was truncated.
 * Appending well-chained forged records after the newest checkpoint cannot be told apart
 * from real ones; frequent signed checkpoints held elsewhere bound that window.
 */
export interface VerifyRow {
  org_id: string;
  seq: number | string;
  id: string;
  ts: string | Date;
  kind: string;
  code: string;
  actor_type: string;
  actor_id: string | null;
  outcome: string;
  data: unknown;
  prev_hash: string;
  hash: string;
}

export type ProblemKind = 'bad_signature' | 'edited' | 'missing' | 'inserted' | 'reordered' | 'renumbered' | 'broken_link' | 'checkpoint_mismatch' | 'truncated' | 'out_of_order';

export interface VerifyProblem {
  seq: number;
  kind: ProblemKind;
  message: string;
}

export interface VerifyCheckpoint {
  seq: number;
  hash: string;
  /** Where the checkpoint came from, for messages (e.g. "exported checkpoint", "stored checkpoint by key ak_…"). */
  source?: string;
}

export interface VerifyReport {
  ok: boolean;
  orgId: string;
  fromSeq: number;
  lastSeq: number;
  records: number;
  checkpointsChecked: number;
  problems: VerifyProblem[];
  /** True when more problems were found than are listed. */
  moreProblems: boolean;
}

export interface VerifyOptions {
  orgId: string;
  /** First seq to verify (default 1). */
  fromSeq?: number;
  /** The hash of record fromSeq-1, when starting mid-log; record 1 links to the genesis hash. */
  anchorHash?: string;
  checkpoints?: readonly VerifyCheckpoint[];
  maxProblems?: number;
}

/** How far around its position a record is tried under other sequence numbers. */
const LOCAL_SHIFT = 8;

function fieldsOf(r: VerifyRow, seq: number): ChainedFields {
  return {
    org_id: r.org_id,
    seq,
    id: r.id,
    ts: new Date(r.ts).toISOString(),
    kind: r.kind,
    code: r.code,
    actor_type: r.actor_type,
    actor_id: r.actor_id,
    outcome: r.outcome,
    data: r.data,
  };
}

const hashAs = (r: VerifyRow, seq: number) => chainHash(r.prev_hash, fieldsOf(r, seq));

interface Moved {
  seq: number;
  writtenAs: number;
  /** Following records that carry the same shift. */
  run: number;
}

export function createChainVerifier(opts: VerifyOptions) {
  const fromSeq = opts.fromSeq ?? 1;
  const maxProblems = opts.maxProblems ?? 100;
  const checkpoints = new Map<number, VerifyCheckpoint>();
  for (const c of opts.checkpoints ?? []) checkpoints.set(c.seq, c);
  const problems: VerifyProblem[] = [];
  let more = false;
  let records = 0;
  let checkpointsChecked = 0;
  let lastSeq = fromSeq - 1;
  let lastHash: string | undefined = fromSeq === 1 ? GENESIS_HASH : opts.anchorHash;
  let lastFlagged = false;
  let shift = 0;
  let currentMove: Moved | undefined;
  const moved: Moved[] = [];
  // Edited rows kept (bounded) so that finish() can tell whether two of them swapped places.
  const edited: { seq: number; row: VerifyRow }[] = [];

  function report(p: VerifyProblem) {
    if (problems.length >= maxProblems) more = true;
    else problems.push(p);
  }

  function push(r: VerifyRow): void {
    const seq = Number(r.seq);
    records++;
    const expected = lastSeq + 1;
    if (seq < expected) {
      report({ seq, kind: 'out_of_order', message: `record ${seq} comes after record ${lastSeq}: rows are not in sequence order` });
      return;
    }
    const gap = seq > expected;
    if (gap) report({ seq: expected, kind: 'missing', message: `record${seq - expected > 1 ? `s ${expected}..${seq - 1} are` : ` ${expected} is`} missing: the log jumps from ${lastSeq} to ${seq}` });

    // 1. The record's own hash, at its stored seq, else under the current or a nearby shift.
    let flagged = false;
    if (hashAs(r, seq) !== r.hash) {
      flagged = true;
      if (shift !== 0 && currentMove && hashAs(r, seq + shift) === r.hash) {
        currentMove.run++;
      } else {
        let found = 0;
        for (let d = 1; d <= LOCAL_SHIFT && !found; d++) {
          if (hashAs(r, seq + d) === r.hash) found = d;
          else if (seq - d >= 1 && hashAs(r, seq - d) === r.hash) found = -d;
        }
        if (found) {
          shift = found;
          currentMove = { seq, writtenAs: seq + found, run: 0 };
          moved.push(currentMove);
        } else {
          shift = 0;
          currentMove = undefined;
          if (edited.length < maxProblems) edited.push({ seq, row: r });
          else more = true;
        }
      }
    } else {
      shift = 0;
      currentMove = undefined;
    }

    // 2. The link to the previous record. A flagged record or neighbour already explains a broken link.
    if (!gap && lastHash !== undefined && r.prev_hash !== lastHash && !flagged && !lastFlagged) {
      report({
        seq,
        kind: 'broken_link',
        message: `record ${seq} does not link to record ${seq - 1}: record ${seq - 1} was rewritten with a recomputed hash, or records before ${seq} were removed and the rest re-chained`,
      });
    }

    // 3. Checkpoints.
    const cp = checkpoints.get(seq);
    if (cp) {
      checkpointsChecked++;
      if (cp.hash !== r.hash) report({ seq, kind: 'checkpoint_mismatch', message: `record ${seq} differs from the ${cp.source ?? 'checkpoint'} for seq ${seq}: the log up to ${seq} was rewritten` });
    }

    lastSeq = seq;
    lastHash = r.hash;
    lastFlagged = flagged;
  }

  function finish(): VerifyReport {
    // Two edited records that each hash correctly at the other's seq swapped places.
    const used = new Set<number>();
    for (const a of edited) {
      if (used.has(a.seq)) continue;
      for (const b of edited) {
        if (b.seq === a.seq || used.has(b.seq)) continue;
        if (hashAs(a.row, b.seq) === a.row.hash && hashAs(b.row, a.seq) === b.row.hash) {
          used.add(a.seq).add(b.seq);
          report({ seq: Math.min(a.seq, b.seq), kind: 'reordered', message: `records ${Math.min(a.seq, b.seq)} and ${Math.max(a.seq, b.seq)} are in each other's place (reordered)` });
        }
      }
    }
    for (const e of edited) {
      if (!used.has(e.seq)) report({ seq: e.seq, kind: 'edited', message: `record ${e.seq} was edited: its content does not match its hash` });
    }
    for (let i = 0; i < moved.length; i++) {
      const m = moved[i]!;
      const n = moved[i + 1];
      // Neighbours moved by +d and -d with no run: a swap of two records.
      if (n && m.run === 0 && n.run === 0 && m.writtenAs === n.seq && n.writtenAs === m.seq) {
        report({ seq: m.seq, kind: 'reordered', message: `records ${m.seq} and ${n.seq} are in each other's place (reordered)` });
        i++;
        continue;
      }
      const d = m.writtenAs - m.seq;
      const span = m.run > 0 ? `records ${m.seq}..${m.seq + m.run} were` : `record ${m.seq} was`;
      if (d < 0) {
        const first = m.seq + d;
        report({ seq: first, kind: 'inserted', message: `${-d > 1 ? `records ${first}..${m.seq - 1} were` : `record ${first} was`} inserted: ${span} written with seq ${-d} lower and renumbered after the insertion` });
      } else {
        report({ seq: m.seq, kind: 'missing', message: `${d > 1 ? `${d} records were` : 'a record was'} deleted at seq ${m.seq}: ${span} written with seq ${d} higher and renumbered to close the gap` });
      }
    }
    let newest: VerifyCheckpoint | undefined;
    for (const cp of checkpoints.values()) if (cp.seq > lastSeq && (!newest || cp.seq > newest.seq)) newest = cp;
    if (newest) {
      checkpointsChecked++;
      report({ seq: lastSeq + 1, kind: 'truncated', message: `the log ends at seq ${lastSeq} but the ${newest.source ?? 'checkpoint'} covers seq ${newest.seq}: records ${lastSeq + 1}..${newest.seq} were removed from the tail` });
    }
    problems.sort((a, b) => a.seq - b.seq);
    return { ok: problems.length === 0 && !more, orgId: opts.orgId, fromSeq, lastSeq, records, checkpointsChecked, problems, moreProblems: more };
  }

  return { push, finish };
}

/** Verifies rows already in memory (tests, small logs). */
export function verifyChain(rows: Iterable<VerifyRow>, opts: VerifyOptions): VerifyReport {
  const v = createChainVerifier(opts);
  for (const r of rows) v.push(r);
  return v.finish();
}
