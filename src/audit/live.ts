import type { Store } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import { randomId } from '../lib/secure-compare.ts';
import { auditRepo, type CallRow } from './audit.repo.ts';
import type { CommittedBatch } from './audit.writer.ts';
import { historyRecord, type HistoryRecord } from './history.export.ts';

/** Instances tell each other "org O has new calls in seq a..b" on this channel (PostgreSQL only). */
export const LIVE_CHANNEL = 'flowlink_audit_live';
const MAX_ERROR = 500;
const MAX_FETCH = 500;
const RECENT_IDS = 4096;

/**
 * One recorded call as the live activity stream shows it: who, what, the verdict and why,
 * and the ids to open the full record (`/history/:callId`, `/audit/events/:seq`). Arguments
 * are left out on purpose (they are in the full record, redacted); the error is bounded.
 */
export type LiveCall = Omit<HistoryRecord, 'audit_seq' | 'finished_at' | 'arguments' | 'protocol'> & { seq: number };

export function liveCall(r: CallRow): LiveCall {
  const h = historyRecord(r);
  const { audit_seq, finished_at: _f, arguments: _a, protocol: _p, ...rest } = h;
  return { ...rest, seq: audit_seq, error: h.error === null ? null : h.error.slice(0, MAX_ERROR) };
}

type Listener = (c: LiveCall) => void;

/**
 * The live activity feed: the audit writer hands it every committed batch (in process);
 * subscribers get the org's calls as they are recorded. With PostgreSQL several instances
 * may serve one org, so each instance also NOTIFYs "org, seq range" after a commit and the
 * others read those call rows back (only when someone there is watching that org).
 * PGlite is single-instance (the data folder is locked), so it never notifies.
 *
 * Delivery is best effort and per org roughly in seq order (each call carries its seq);
 * a viewer that reconnects with Last-Event-ID gets what it missed from the database.
 */
export function createLiveFeed(deps: { store: Store; logger?: Logger; instanceId?: string }) {
  const { store } = deps;
  const instanceId = deps.instanceId ?? `inst_${randomId()}`;
  const listeners = new Map<string, Set<Listener>>();
  // Call ids recently delivered, so a notification that overlaps local delivery is dropped.
  const recent = new Set<string>();
  let unlisten: (() => Promise<void>) | undefined;
  const crossInstance = store.kind === 'postgres';

  function deliver(orgId: string, rows: readonly CallRow[]) {
    const set = listeners.get(orgId);
    for (const r of rows) {
      if (recent.has(r.id)) continue;
      recent.add(r.id);
      if (recent.size > RECENT_IDS) recent.delete(recent.values().next().value as string);
      if (!set) continue;
      const c = liveCall(r);
      for (const l of set) {
        try {
          l(c);
        } catch (err) {
          deps.logger?.warn({ err: (err as Error).message }, 'live activity subscriber failed');
        }
      }
    }
  }

  async function onRemote(payload: string) {
    let m: { i?: string; o?: string; a?: number; b?: number };
    try {
      m = JSON.parse(payload) as typeof m;
    } catch {
      return;
    }
    if (m.i === instanceId || typeof m.o !== 'string' || !listeners.has(m.o) || !Number.isSafeInteger(m.a) || !Number.isSafeInteger(m.b)) return;
    try {
      deliver(m.o, await auditRepo.callsBySeq(store, m.o, m.a!, m.b!, MAX_FETCH));
    } catch (err) {
      deps.logger?.warn({ err: (err as Error).message }, 'live activity could not read calls announced by another instance');
    }
  }

  return {
    instanceId,
    /** The writer's onCommitted hook. */
    published(batch: CommittedBatch): void {
      if (!batch.calls.length) return;
      const byOrg = new Map<string, CallRow[]>();
      for (const c of batch.calls) {
        const list = byOrg.get(c.org_id) ?? [];
        list.push(c);
        byOrg.set(c.org_id, list);
      }
      for (const [org, rows] of byOrg) {
        deliver(org, rows);
        if (crossInstance) {
          const seqs = rows.map((r) => Number(r.audit_seq));
          const payload = JSON.stringify({ i: instanceId, o: org, a: Math.min(...seqs), b: Math.max(...seqs) });
          store.notify(LIVE_CHANNEL, payload).catch((err: unknown) => deps.logger?.warn({ err: (err as Error).message }, 'live activity notify failed'));
        }
      }
    },
    /** Calls of `orgId` from now on; returns the unsubscribe function. */
    subscribe(orgId: string, fn: Listener): () => void {
      let set = listeners.get(orgId);
      if (!set) listeners.set(orgId, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (!set.size) listeners.delete(orgId);
      };
    },
    /** Calls recorded after `seq` (a reconnecting viewer's Last-Event-ID), oldest first, bounded. */
    async since(orgId: string, seq: number, limit = 200): Promise<LiveCall[]> {
      return (await auditRepo.callsBySeq(store, orgId, seq + 1, Number.MAX_SAFE_INTEGER, limit)).map(liveCall);
    },
    subscribers(orgId: string): number {
      return listeners.get(orgId)?.size ?? 0;
    },
    async start(): Promise<void> {
      if (crossInstance && !unlisten) unlisten = await store.listen(LIVE_CHANNEL, (p) => void onRemote(p));
    },
    async stop(): Promise<void> {
      await unlisten?.().catch(() => {});
      unlisten = undefined;
      listeners.clear();
    },
  };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;
