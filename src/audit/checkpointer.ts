import type { Store } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import { signCheckpoint, type SignedCheckpoint } from './checkpoint.ts';
import { checkpointRepo } from './checkpoint.repo.ts';
import type { AuditKeys } from './keys.ts';

/** Signs a checkpoint over an org's newest record now (none if the org has no records or it is already covered). */
export async function checkpointOrg(deps: { store: Store; keys: AuditKeys; now?: () => Date }, orgId: string): Promise<SignedCheckpoint | undefined> {
  const head = (await checkpointRepo.heads(deps.store)).find((h) => h.org_id === orgId);
  if (!head) return undefined;
  const last = await checkpointRepo.latest(deps.store, orgId);
  if (last && last.seq >= head.seq) return last;
  const key = await deps.keys.active();
  const cp = signCheckpoint({ org_id: orgId, seq: Number(head.seq), hash: head.hash, ts: (deps.now?.() ?? new Date()).toISOString() }, key);
  await checkpointRepo.insert(deps.store, cp);
  return cp;
}

export interface CheckpointerOptions {
  store: Store;
  keys: AuditKeys;
  /** Sign when an org has this many records past its last checkpoint. */
  everyEvents?: number;
  /** ...or when its last checkpoint is this old and newer records exist. */
  everyMs?: number;
  /** How often heads are looked at. */
  pollMs?: number;
  logger?: Logger;
  now?: () => Date;
}

/**
 * Signs checkpoints in the background: every `everyEvents` records or `everyMs`,
 * whichever comes first, per org. Several instances may run one each: the
 * (org_id, seq) key makes a duplicate checkpoint a no-op.
 */
export function createCheckpointer(opts: CheckpointerOptions) {
  const everyEvents = opts.everyEvents ?? 1000;
  const everyMs = opts.everyMs ?? 5 * 60_000;
  const pollMs = opts.pollMs ?? Math.min(10_000, everyMs);
  const now = opts.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<SignedCheckpoint[]> | undefined;

  async function tick(): Promise<SignedCheckpoint[]> {
    const made: SignedCheckpoint[] = [];
    for (const head of await checkpointRepo.heads(opts.store)) {
      const last = await checkpointRepo.latest(opts.store, head.org_id);
      const pending = Number(head.seq) - (last?.seq ?? 0);
      if (pending <= 0) continue;
      const age = last ? now().getTime() - new Date(last.ts).getTime() : Infinity;
      if (pending < everyEvents && age < everyMs) continue;
      const key = await opts.keys.active();
      const cp = signCheckpoint({ org_id: head.org_id, seq: Number(head.seq), hash: head.hash, ts: now().toISOString() }, key);
      if (await checkpointRepo.insert(opts.store, cp)) made.push(cp);
    }
    return made;
  }

  /** One pass; concurrent callers share it. */
  function runOnce(): Promise<SignedCheckpoint[]> {
    running ??= tick().finally(() => (running = undefined));
    return running;
  }

  return {
    runOnce,
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        runOnce().catch((err: unknown) => opts.logger?.warn({ err: (err as Error).message }, 'audit checkpoint failed; will retry'));
      }, pollMs);
      timer.unref();
    },
    /** Stops the timer, waits for a pass in progress, then (unless final is false) signs a checkpoint over anything new. */
    async stop(stopOpts: { final?: boolean } = {}): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => {});
      if (stopOpts.final === false) return;
      try {
        for (const head of await checkpointRepo.heads(opts.store)) await checkpointOrg({ store: opts.store, keys: opts.keys, now }, head.org_id);
      } catch (err) {
        opts.logger?.warn({ err: (err as Error).message }, 'final audit checkpoint failed');
      }
    },
  };
}

export type Checkpointer = ReturnType<typeof createCheckpointer>;
