import type { Store } from '../../store/store.ts';
import type { Logger } from '../../lib/logger.ts';
import { auditRepo } from '../../audit/audit.repo.ts';
import { AuditCatalog, isAuditKind, SEVERITY_RANK } from '../../audit/catalog.ts';
import { checkpointRepo } from '../../audit/checkpoint.repo.ts';
import type { SiemEvent, SiemSink } from './types.ts';

export interface SinkStatus {
  sink: string;
  org_id: string;
  last_seq: number;
  head_seq: number;
  lag: number;
  attempts: number;
  last_error: string | null;
  delivered_at: string | null;
}

const MAX_ERROR = 300;

/**
 * Delivers audit events to SIEM sinks from per-sink cursors. The audit log is the outbox:
 * each pass reads the events after a sink's cursor, in seq order, sends them, and only
 * then moves the cursor, so a sink that is down gets everything in order once it is back
 * and a restart resumes where delivery stopped. Sending happens outside any transaction.
 * Failures back off exponentially per sink and org.
 */
export function createSiemDelivery(opts: { store: Store; sinks: readonly SiemSink[]; batch?: number; pollMs?: number; backoffMs?: number; maxBackoffMs?: number; logger?: Logger; now?: () => number }) {
  const { store } = opts;
  const batch = opts.batch ?? 200;
  const now = opts.now ?? Date.now;
  const retryAt = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function cursor(sinkId: string, orgId: string): Promise<{ last_seq: number; attempts: number }> {
    await store.query('INSERT INTO siem_cursors (sink_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [sinkId, orgId]);
    const r = (await store.query<{ last_seq: number; attempts: number }>('SELECT last_seq, attempts FROM siem_cursors WHERE sink_id = $1 AND org_id = $2', [sinkId, orgId]))[0]!;
    return { last_seq: Number(r.last_seq), attempts: r.attempts };
  }

  const wanted = (sink: SiemSink, e: SiemEvent) => (!sink.kinds || sink.kinds.includes(e.kind)) && (!sink.minSeverity || SEVERITY_RANK[e.severity] >= SEVERITY_RANK[sink.minSeverity]);

  async function deliverOne(sink: SiemSink, orgId: string, headSeq: number): Promise<number> {
    const key = `${sink.id}\u0000${orgId}`;
    if ((retryAt.get(key) ?? 0) > now()) return 0;
    let { last_seq, attempts } = await cursor(sink.id, orgId);
    let sent = 0;
    while (last_seq < headSeq) {
      const rows = await auditRepo.events(store, orgId, last_seq + 1, batch);
      if (!rows.length) break;
      const events: SiemEvent[] = rows.map((r) => ({ ...r, seq: Number(r.seq), severity: isAuditKind(r.kind) ? AuditCatalog[r.kind].severity : 'info' }));
      const chosen = events.filter((e) => wanted(sink, e));
      try {
        if (chosen.length) await sink.send(chosen);
      } catch (err) {
        attempts++;
        const delay = Math.min(opts.maxBackoffMs ?? 60_000, (opts.backoffMs ?? 500) * 2 ** Math.min(attempts - 1, 16));
        retryAt.set(key, now() + delay);
        await store.query('UPDATE siem_cursors SET attempts = $3, last_error = $4 WHERE sink_id = $1 AND org_id = $2', [sink.id, orgId, attempts, String((err as Error).message ?? err).slice(0, MAX_ERROR)]);
        opts.logger?.warn({ sink: sink.id, attempts, retryInMs: delay }, 'SIEM delivery failed; will retry');
        return sent;
      }
      last_seq = events[events.length - 1]!.seq;
      attempts = 0;
      retryAt.delete(key);
      await store.query('UPDATE siem_cursors SET last_seq = $3, attempts = 0, last_error = NULL, delivered_at = now() WHERE sink_id = $1 AND org_id = $2', [sink.id, orgId, last_seq]);
      sent += chosen.length;
    }
    return sent;
  }

  async function pass(): Promise<number> {
    let sent = 0;
    const heads = await checkpointRepo.heads(store);
    for (const sink of opts.sinks) for (const h of heads) sent += await deliverOne(sink, h.org_id, Number(h.seq));
    return sent;
  }

  return {
    /** One delivery pass over every sink and org; resolves with the number of events sent. */
    runOnce(): Promise<number> {
      running ??= pass().finally(() => (running = undefined));
      return running;
    },
    start(): void {
      if (timer) return;
      timer = setInterval(() => void this.runOnce().catch((err: unknown) => opts.logger?.warn({ err: (err as Error).message }, 'SIEM delivery pass failed')), opts.pollMs ?? 1000);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => {});
    },
    /** Delivery status and lag (records not yet delivered) per sink and org. */
    async status(): Promise<SinkStatus[]> {
      const heads = new Map((await checkpointRepo.heads(store)).map((h) => [h.org_id, Number(h.seq)]));
      const rows = await store.query<{ sink_id: string; org_id: string; last_seq: number; attempts: number; last_error: string | null; delivered_at: Date | null }>('SELECT * FROM siem_cursors ORDER BY sink_id, org_id');
      return rows.map((r) => {
        const head = heads.get(r.org_id) ?? 0;
        return { sink: r.sink_id, org_id: r.org_id, last_seq: Number(r.last_seq), head_seq: head, lag: Math.max(0, head - Number(r.last_seq)), attempts: r.attempts, last_error: r.last_error, delivered_at: r.delivered_at ? new Date(r.delivered_at).toISOString() : null };
      });
    },
  };
}
