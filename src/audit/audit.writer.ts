import type { Store } from '../store/store.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { randomId } from '../lib/secure-compare.ts';
import { AuditCatalog, checkEventData, type AuditKind } from './catalog.ts';
import { chainHash, GENESIS_HASH, type ChainedFields } from './chain.ts';
import { auditRepo, type CallRow } from './audit.repo.ts';

export interface AuditEventInput {
  orgId: string;
  kind: AuditKind;
  actor: { type: 'agent' | 'user' | 'system'; id: string | null };
  outcome: 'success' | 'failure' | 'denied';
  data: Record<string, unknown>;
  /** A command-history row to store in the same statement as the event. */
  call?: Omit<CallRow, 'org_id' | 'audit_seq'>;
}

interface Pending {
  input: AuditEventInput;
  ts: Date;
  id: string;
  resolve: (seq: number) => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 500;
const MAX_CONFLICT_RETRIES = 5;

/**
 * Appends events to the per-org hash chain with group commit: while one batch is being
 * written, new events queue up and go out together in the next single statement. An
 * idle writer sends at once, so a lone call pays one round trip and no waiting.
 *
 * Several instances may share one database: each keeps the chain head in memory and
 * the (org_id, seq) primary key rejects a stale head, after which the head is reloaded
 * and the batch re-chained.
 */
export interface AuditWriterDeps {
  store: Store;
  onHealthChange?: (healthy: boolean) => void;
  onAppended?: (orgId: string, seq: number) => void;
  /** After each committed batch: the events and call rows as stored (the live activity feed reads these). */
  onCommitted?: (batch: CommittedBatch) => void;
  /** After every write attempt: ok, or the error that failed the batch (the outage alert reads these; a probe is not a write). */
  onWriteResult?: (ok: boolean, err?: unknown) => void;
}

export interface CommittedBatch {
  events: readonly (ChainedFields & { prev_hash: string; hash: string })[];
  calls: readonly CallRow[];
}

export function createAuditWriter(deps: AuditWriterDeps) {
  const { store } = deps;
  const heads = new Map<string, { seq: number; hash: string }>();
  let queue: Pending[] = [];
  let flushing = false;
  let healthy = true;
  let closed = false;

  function setHealthy(v: boolean) {
    if (v !== healthy) {
      healthy = v;
      deps.onHealthChange?.(v);
    }
  }

  async function head(orgId: string) {
    let h = heads.get(orgId);
    if (!h) {
      h = (await auditRepo.head(store, orgId)) ?? { seq: 0, hash: GENESIS_HASH };
      heads.set(orgId, h);
    }
    return h;
  }

  async function writeBatch(batch: Pending[]): Promise<CommittedBatch> {
    for (let attempt = 0; ; attempt++) {
      const events: (ChainedFields & { prev_hash: string; hash: string })[] = [];
      const calls: CallRow[] = [];
      const next = new Map<string, { seq: number; hash: string }>();
      for (const p of batch) {
        const h = next.get(p.input.orgId) ?? (await head(p.input.orgId));
        const fields: ChainedFields = {
          org_id: p.input.orgId,
          seq: h.seq + 1,
          id: p.id,
          ts: p.ts.toISOString(),
          kind: p.input.kind,
          code: AuditCatalog[p.input.kind].code,
          actor_type: p.input.actor.type,
          actor_id: p.input.actor.id,
          outcome: p.input.outcome,
          data: p.input.data,
        };
        const hash = chainHash(h.hash, fields);
        events.push({ ...fields, prev_hash: h.hash, hash });
        if (p.input.call) calls.push({ ...p.input.call, org_id: p.input.orgId, audit_seq: fields.seq });
        next.set(p.input.orgId, { seq: fields.seq, hash });
      }
      try {
        await auditRepo.append(store, events, calls);
        for (const [org, h] of next) heads.set(org, h);
        return { events, calls };
      } catch (err) {
        const conflict = (err as { code?: string }).code === '23505';
        for (const org of next.keys()) heads.delete(org);
        if (!conflict || attempt >= MAX_CONFLICT_RETRIES) throw err;
      }
    }
  }

  // Observers run after the commit and never fail (or delay) the appenders.
  function notify(fn: () => void) {
    try {
      fn();
    } catch {
      /* an observer's bug must not turn a durable write into a failed call */
    }
  }

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length) {
        const batch = queue.slice(0, MAX_BATCH);
        queue = queue.slice(batch.length);
        try {
          const written = await writeBatch(batch);
          setHealthy(true);
          batch.forEach((p, i) => p.resolve(written.events[i]!.seq));
          if (deps.onAppended) batch.forEach((p, i) => deps.onAppended!(p.input.orgId, written.events[i]!.seq));
          notify(() => deps.onWriteResult?.(true));
          notify(() => deps.onCommitted?.(written));
        } catch (err) {
          setHealthy(false);
          notify(() => deps.onWriteResult?.(false, err));
          const e = new FlowLinkError('audit_unavailable', 'the audit log could not be written, so the call was not completed', undefined, { cause: err });
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    /** Resolves with the event's sequence number once it is durably stored; rejects with audit_unavailable otherwise. */
    append(input: AuditEventInput): Promise<number> {
      if (closed) return Promise.reject(new FlowLinkError('shutting_down', 'the audit writer is closed'));
      // An unknown kind or a data shape the catalog does not describe is a bug in the caller:
      // refuse it rather than chain a record nobody can interpret later.
      const checked = checkEventData(input.kind, input.data);
      if (!checked.ok) return Promise.reject(new FlowLinkError('internal', checked.message));
      return new Promise<number>((resolve, reject) => {
        queue.push({ input, ts: new Date(), id: `evt_${randomId()}`, resolve, reject });
        void flush();
      });
    },
    /** False after a failed write, until a write succeeds again. Calls are refused while false. */
    get healthy() {
      return healthy;
    },
    /** Probes the store; used to recover from an unhealthy state before admitting calls again. */
    async probe(): Promise<boolean> {
      try {
        // Touch both tables the append writes, so a dropped or renamed table keeps calls refused.
        await store.query('SELECT 1 FROM audit_events WHERE false UNION ALL SELECT 1 FROM calls WHERE false');
        setHealthy(true);
      } catch {
        setHealthy(false);
      }
      return healthy;
    },
    async close(): Promise<void> {
      closed = true;
      while (flushing || queue.length) await new Promise((r) => setTimeout(r, 5));
    },
  };
}

export type AuditWriter = ReturnType<typeof createAuditWriter>;
