import type { Store } from '../store/store.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { randomId } from '../lib/secure-compare.ts';
import type { AuditWriter } from './audit.writer.ts';
import type { AuditKeys } from './keys.ts';
import { retentionRepo, type PurgeRequest } from './retention.repo.ts';
import { signTruncation } from './truncation.ts';

export const MIN_RETENTION_DAYS = 1;
export const MAX_RETENTION_DAYS = 36_500;
/** A purge request nobody approved within this long lapses. */
export const PURGE_REQUEST_TTL_MS = 24 * 3600_000;
const DAY = 86_400_000;
const EXPORT_PAGE = 1000;

/** Who acts on retention: a signed-in person (API keys may not request or approve purges). */
export interface RetentionActor {
  orgId: string;
  userId: string;
  /** Shown in records and audit events (an email). */
  name: string;
  role: 'owner' | 'admin' | 'approver' | 'auditor' | 'viewer';
}

const MAY_REQUEST = new Set(['owner', 'admin']);
const MAY_APPROVE = new Set(['owner', 'admin', 'auditor']);

/**
 * Retention of the audit log and command history, with a two-person purge: an owner or
 * admin requests deleting the records older than the org's window; a different owner,
 * admin or auditor approves; only then are they deleted, in one transaction with a signed
 * truncation marker, so `audit verify` knows where the chain legitimately begins. Every
 * step is audited. Roles are checked here too (not only at the edge): the CLI calls this.
 */
export function createRetentionService(deps: { store: Store; audit: Pick<AuditWriter, 'append'>; keys: AuditKeys; clock?: () => number }) {
  const { store } = deps;
  const now = deps.clock ?? Date.now;

  async function expireStale(orgId: string) {
    await store.query("UPDATE audit_purge_requests SET state = 'expired', decided_at = now() WHERE org_id = $1 AND state = 'pending' AND expires_at <= $2", [orgId, new Date(now()).toISOString()]);
  }

  return {
    async show(orgId: string, opts: { requests?: number } = {}) {
      await expireStale(orgId);
      const setting = await retentionRepo.get(store, orgId);
      const cutoff = setting ? new Date(now() - setting.days * DAY) : undefined;
      const plan = cutoff ? await retentionRepo.plan(store, orgId, cutoff) : undefined;
      const cut = await retentionRepo.truncation(store, orgId);
      return {
        days: setting?.days ?? null,
        updated_at: setting?.updated_at ?? null,
        updated_by: setting?.updated_by ?? null,
        /** What a purge requested now would delete. */
        due: plan && cutoff ? { cutoff: cutoff.toISOString(), below_seq: plan.below_seq, events: plan.events, calls: plan.calls } : null,
        /** Where the chain begins after earlier purges. */
        truncated_below: cut ? { seq: cut.below_seq, anchor_hash: cut.anchor_hash, ts: cut.ts, key_id: cut.key_id, request_id: cut.request_id } : null,
        requests: await retentionRepo.requests(store, orgId, Math.min(opts.requests ?? 20, 100)),
      };
    },

    async set(actor: RetentionActor, days: number): Promise<{ days: number; previous: number | null }> {
      if (!MAY_REQUEST.has(actor.role)) throw new FlowLinkError('forbidden', `a ${actor.role} may not change retention (owners and admins do)`);
      if (!Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) throw new FlowLinkError('invalid_params', `retention days must be a whole number from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`);
      const previous = (await retentionRepo.get(store, actor.orgId))?.days ?? null;
      await retentionRepo.set(store, actor.orgId, days, actor.userId);
      await deps.audit.append({ orgId: actor.orgId, kind: 'audit.retention.set', actor: { type: 'user', id: actor.userId }, outcome: 'success', data: { days, previous_days: previous, by_name: actor.name.slice(0, 256) } });
      return { days, previous };
    },

    /** Records a request to delete what is older than the window now; deletes nothing. */
    async requestPurge(actor: RetentionActor): Promise<PurgeRequest> {
      if (!MAY_REQUEST.has(actor.role)) throw new FlowLinkError('forbidden', `a ${actor.role} may not request a purge (owners and admins do)`);
      const setting = await retentionRepo.get(store, actor.orgId);
      if (!setting) throw new FlowLinkError('invalid_params', 'set a retention period first (days)');
      await expireStale(actor.orgId);
      const cutoff = new Date(now() - setting.days * DAY);
      const plan = await retentionRepo.plan(store, actor.orgId, cutoff);
      if (plan.events === 0) throw new FlowLinkError('invalid_params', `nothing is older than the retention period of ${setting.days} days`);
      const req = await retentionRepo.insertRequest(store, {
        id: `purge_${randomId()}`,
        org_id: actor.orgId,
        below_seq: plan.below_seq,
        cutoff: cutoff.toISOString(),
        retention_days: setting.days,
        events: plan.events,
        calls: plan.calls,
        requested_by: actor.userId,
        requested_by_name: actor.name.slice(0, 256),
        expires_at: new Date(now() + PURGE_REQUEST_TTL_MS).toISOString(),
      });
      await deps.audit.append({
        orgId: actor.orgId,
        kind: 'audit.purge.requested',
        actor: { type: 'user', id: actor.userId },
        outcome: 'success',
        data: { request_id: req.id, below_seq: req.below_seq, cutoff: req.cutoff, retention_days: req.retention_days, events: req.events, calls: req.calls, by_name: req.requested_by_name },
      });
      return req;
    },

    /**
     * The second person's approval: deletes the requested range and writes the signed
     * truncation marker in one transaction. The requester can never approve their own request.
     */
    async approvePurge(actor: RetentionActor, id: string): Promise<PurgeRequest> {
      if (!MAY_APPROVE.has(actor.role)) throw new FlowLinkError('forbidden', `a ${actor.role} may not approve a purge (owners, admins and auditors do)`);
      await expireStale(actor.orgId);
      // Signing needs the key (created on first use, a write of its own): fetched before the transaction.
      const key = await deps.keys.active();
      const done = await store.tx(async (q) => {
        const req = await retentionRepo.request(q, actor.orgId, id, true);
        if (!req) throw new FlowLinkError('not_found', 'no such purge request');
        if (req.state !== 'pending') throw new FlowLinkError('conflict', `the purge request is ${req.state}, not pending`);
        if (req.requested_by === actor.userId) throw new FlowLinkError('forbidden', 'a purge needs a second person: you cannot approve your own request');
        const plan = await retentionRepo.plan(q, actor.orgId, new Date(req.cutoff));
        // Only what was requested (and reviewed) is deleted, never more.
        const below = Math.min(req.below_seq, plan.below_seq);
        const anchor = (await q.query<{ prev_hash: string }>('SELECT prev_hash FROM audit_events WHERE org_id = $1 AND seq = $2', [actor.orgId, below]))[0]?.prev_hash;
        const purged = anchor ? await retentionRepo.purge(q, actor.orgId, below) : { events: 0, calls: 0 };
        if (anchor && purged.events > 0) await retentionRepo.insertTruncation(q, signTruncation({ org_id: actor.orgId, below_seq: below, anchor_hash: anchor, ts: new Date(now()).toISOString(), request_id: req.id }, key));
        await retentionRepo.close(q, actor.orgId, id, 'executed', { id: actor.userId, name: actor.name.slice(0, 256) }, null, purged);
        return { req, below, anchor: anchor ?? null, purged };
      });
      await deps.audit.append({
        orgId: actor.orgId,
        kind: 'audit.purge.executed',
        actor: { type: 'user', id: actor.userId },
        outcome: 'success',
        data: { request_id: id, below_seq: done.below, anchor_hash: done.anchor, events: done.purged.events, calls: done.purged.calls, requested_by: done.req.requested_by, approved_by: actor.userId, by_name: actor.name.slice(0, 256) },
      });
      return (await retentionRepo.request(store, actor.orgId, id))!;
    },

    /**
     * The records a pending request would delete, as JSON Lines (each event with its call row),
     * streamed page by page; export them before approving. Recorded on the request when the
     * whole range was read.
     */
    async *exportPurge(actor: Pick<RetentionActor, 'orgId' | 'name'> & { userId?: string }, id: string): AsyncGenerator<string> {
      const req = await retentionRepo.request(store, actor.orgId, id);
      if (!req) throw new FlowLinkError('not_found', 'no such purge request');
      if (req.state !== 'pending') throw new FlowLinkError('conflict', `the purge request is ${req.state}: its records are ${req.state === 'executed' ? 'gone' : 'not going to be deleted'}`);
      let from = 1;
      let rows = 0;
      for (;;) {
        const page = await retentionRepo.rangeWithCalls(store, actor.orgId, from, req.below_seq, EXPORT_PAGE);
        rows += page.length;
        if (page.length) yield page.map((r) => JSON.stringify({ ...r, seq: Number(r.seq), ts: new Date(r.ts as string).toISOString() }) + '\n').join('');
        if (page.length < EXPORT_PAGE) break;
        from = Number(page[page.length - 1]!.seq) + 1;
      }
      await retentionRepo.markExported(store, actor.orgId, id, actor.name.slice(0, 256));
      await deps.audit.append({ orgId: actor.orgId, kind: 'audit.exported', actor: { type: actor.userId ? 'user' : 'system', id: actor.userId ?? null }, outcome: 'success', data: { what: 'purge_range', format: 'jsonl', rows, request_id: id, by_name: actor.name.slice(0, 256) } });
    },

    /** Rejects (or, for the requester, withdraws) a pending request; nothing is deleted. */
    async rejectPurge(actor: RetentionActor, id: string, reason: string): Promise<PurgeRequest> {
      const req = await retentionRepo.request(store, actor.orgId, id);
      if (!req) throw new FlowLinkError('not_found', 'no such purge request');
      if (req.requested_by !== actor.userId && !MAY_APPROVE.has(actor.role)) throw new FlowLinkError('forbidden', `a ${actor.role} may not reject a purge request`);
      if (req.state !== 'pending') throw new FlowLinkError('conflict', `the purge request is ${req.state}, not pending`);
      await retentionRepo.close(store, actor.orgId, id, 'rejected', { id: actor.userId, name: actor.name.slice(0, 256) }, reason.slice(0, 1000));
      await deps.audit.append({ orgId: actor.orgId, kind: 'audit.purge.rejected', actor: { type: 'user', id: actor.userId }, outcome: 'success', data: { request_id: id, reason: reason.slice(0, 1000), by_name: actor.name.slice(0, 256) } });
      return (await retentionRepo.request(store, actor.orgId, id))!;
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
