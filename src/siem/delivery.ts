import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { AuditCatalog, isAuditKind } from '../audit/catalog.ts';
import { checkpointRepo } from '../audit/checkpoint.repo.ts';
import { compileFilter } from './filter.ts';
import { siemRepo, type CursorRow } from './siem.repo.ts';
import { SinkError, type SiemEvent, type SiemSink } from './siem.types.ts';

export interface DeliveryOptions {
  store: Store;
  sinks: readonly SiemSink[];
  /** Records read per batch when the sink does not say (`sink.batchSize`). */
  batch?: number;
  pollMs?: number;
  /** First retry delay; doubles per failed attempt up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** This instance's name in the lease table (default: a random id). */
  holder?: string;
  leaseMs?: number;
  logger?: Logger;
  now?: () => number;
  /** For the backoff's jitter, in [0, 1). */
  random?: () => number;
  /** Observers for metrics. */
  onSent?: (sink: string, events: number) => void;
  onFailure?: (sink: string) => void;
}

/**
 * The backoff before attempt `attempts + 1`: exponential, capped, with "equal jitter"
 * (half fixed, half random), so instances and sinks that failed together do not retry in
 * lockstep. A failure that retrying cannot fix waits the longest delay. Pure.
 */
export function backoffDelay(attempts: number, o: { base: number; max: number; retryable: boolean; random: number }): number {
  const d = o.retryable ? Math.min(o.max, o.base * 2 ** Math.min(Math.max(attempts - 1, 0), 30)) : o.max;
  return Math.round(d / 2 + (o.random * d) / 2);
}

const withSeverity = (r: Awaited<ReturnType<typeof auditRepo.events>>[number]): SiemEvent => ({ ...r, seq: Number(r.seq), severity: isAuditKind(r.kind) ? AuditCatalog[r.kind].severity : 'info' });

/**
 * Delivers audit events to SIEM sinks from per-sink, per-org cursors. The audit log is the
 * outbox: each pass reads the records after a cursor, in seq order, sends the ones the
 * sink's filter wants, and only then moves the cursor (records filtered out move it without
 * a send). A sink that is down gets everything in order once it is back; a restart resumes
 * from the stored cursor. Sends happen outside any transaction. Delivery is at-least-once:
 * a crash between a send and the cursor update resends that batch, so every format carries
 * the event id. Where several instances share a store, a lease row per sink lets one of
 * them deliver to it at a time.
 */
export function createSiemDelivery(opts: DeliveryOptions) {
  const { store } = opts;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const holder = opts.holder ?? `fl_${randomUUID()}`;
  const pollMs = opts.pollMs ?? 1000;
  const leaseMs = opts.leaseMs ?? Math.max(30_000, pollMs * 5);
  const filters = new Map(opts.sinks.map((s) => [s.id, compileFilter(s.filter)]));
  const retryAt = new Map<string, number>();
  const held = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  const renewedAt = new Map<string, number>();
  async function keepLease(sinkId: string, force = false): Promise<boolean> {
    if (!force && now() - (renewedAt.get(sinkId) ?? 0) < leaseMs / 3) return true;
    const ok = await siemRepo.lease(store, sinkId, holder, leaseMs);
    if (ok) renewedAt.set(sinkId, now());
    else {
      renewedAt.delete(sinkId);
      held.delete(sinkId);
    }
    return ok;
  }

  /** Delivers one org's backlog to one sink; returns events sent, or false when the sink failed. */
  async function deliverOrg(sink: SiemSink, orgId: string, headSeq: number, known: CursorRow | undefined): Promise<number | false> {
    const key = `${sink.id}\u0000${orgId}`;
    // Nothing new: no write, so idle passes cost one read per sink.
    if (known && known.last_seq >= headSeq) return 0;
    if ((retryAt.get(key) ?? 0) > now()) return 0;
    const wanted = filters.get(sink.id)!;
    let { last_seq, attempts } = known ?? (await siemRepo.cursor(store, sink.id, orgId));
    let sent = 0;
    while (last_seq < headSeq && !stopped) {
      const rows = await auditRepo.events(store, orgId, last_seq + 1, sink.batchSize ?? opts.batch ?? 100);
      if (!rows.length) break;
      const events = rows.map(withSeverity);
      const chosen = events.filter(wanted);
      try {
        if (chosen.length) await sink.send(chosen);
      } catch (err) {
        attempts++;
        const retryable = !(err instanceof SinkError) || err.retryable;
        const delay = backoffDelay(attempts, { base: opts.backoffMs ?? 1000, max: opts.maxBackoffMs ?? 300_000, retryable, random: random() });
        retryAt.set(key, now() + delay);
        const message = err instanceof SinkError ? err.message : `${sink.id}: ${String((err as Error)?.message ?? err).slice(0, 200)}`;
        opts.onFailure?.(sink.id);
        await siemRepo.failed(store, sink.id, orgId, attempts, message);
        opts.logger?.warn({ sink: sink.id, org: orgId, attempts, retryInMs: delay, error: message }, 'SIEM delivery failed; will retry');
        return false;
      }
      last_seq = events[events.length - 1]!.seq;
      attempts = 0;
      retryAt.delete(key);
      await siemRepo.advance(store, sink.id, orgId, last_seq, chosen.length);
      sent += chosen.length;
      if (chosen.length) opts.onSent?.(sink.id, chosen.length);
      // A long backlog keeps the lease fresh; an instance that lost it stops sending.
      if (!(await keepLease(sink.id))) break;
    }
    return sent;
  }

  async function pass(): Promise<number> {
    let sent = 0;
    const heads = await checkpointRepo.heads(store);
    for (const sink of opts.sinks) {
      if (stopped) break;
      if (!(await keepLease(sink.id, true))) continue;
      held.add(sink.id);
      const cursors = await siemRepo.cursorsOfSink(store, sink.id);
      for (const h of heads) {
        const r = await deliverOrg(sink, h.org_id, Number(h.seq), cursors.get(h.org_id));
        if (r !== false) sent += r;
        // A sink that failed for one org is most likely down for all: try again next pass.
        if (r === false || !held.has(sink.id)) break;
      }
    }
    return sent;
  }

  return {
    holder,
    /** One delivery pass over every sink and org; resolves with the number of events sent. */
    runOnce(): Promise<number> {
      running ??= pass().finally(() => (running = undefined));
      return running;
    },
    /** Runs passes until a pass sends nothing (nothing left, or every sink with a backlog failed or waits). */
    async drain(maxPasses = 100): Promise<number> {
      let total = 0;
      for (let i = 0; i < maxPasses; i++) {
        const n = await this.runOnce();
        total += n;
        if (n === 0) break;
      }
      return total;
    },
    start(): void {
      if (timer) return;
      stopped = false;
      timer = setInterval(() => void this.runOnce().catch((err: unknown) => opts.logger?.warn({ err: (err as Error).message }, 'SIEM delivery pass failed')), pollMs);
      timer.unref();
    },
    /** Stops the loop, waits for a pass under way, gives the leases back and closes connections. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => {});
      for (const id of held) await siemRepo.release(store, id, holder).catch(() => {});
      held.clear();
      for (const s of opts.sinks) await s.close?.().catch(() => {});
    },
  };
}

export type SiemDelivery = ReturnType<typeof createSiemDelivery>;
