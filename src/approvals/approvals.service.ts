import type { Store } from '../store/store.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { Logger } from '../lib/logger.ts';
import type { Notifier, ApprovalOutcome } from '../notifiers/notifier.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { randomId, sha256Hex } from '../lib/secure-compare.ts';
import { approvalsRepo } from './approvals.repo.ts';
import type { ApprovalAction, ApprovalActor, ApprovalChannel, ApprovalReason, ApprovalRequest, ApprovalState } from './approvals.types.ts';

/** The NOTIFY channel every state change goes out on; the payload is `{"id","org","state"}`. */
export const APPROVALS_CHANNEL = 'flowlink_approvals';
const DEFAULT_EXPIRY_MS = 15 * 60_000;
const DEFAULT_HEARTBEAT_MS = 5_000;
/** An instance silent for this many heartbeats is taken for dead, and its held requests are failed. */
const DEAD_AFTER_BEATS = 3;
const MAX_REASON = 2000;

/** The hash an approval is bound to: SHA-256 of the canonical JSON of {server, tool, arguments}. */
export function callHash(server: string, tool: string, args: Record<string, unknown>): string {
  return sha256Hex(canonicalJson({ server, tool, arguments: args }));
}

export interface ApprovalServiceDeps {
  store: Store;
  audit: Pick<AuditWriter, 'append'>;
  notifiers: readonly Notifier[];
  clock?: () => number;
  logger: Pick<Logger, 'warn' | 'error'>;
  expiryMs?: number;
  escalation?: { afterMs: number; to: string } | undefined;
  heartbeatMs?: number;
  /** Stable per process; defaults to a random id. */
  instanceId?: string;
}

export interface NewApproval {
  orgId: string;
  callId: string;
  server: string;
  tool: string;
  /** The exact arguments: the request is bound to their hash. */
  arguments: Record<string, unknown>;
  /** What approvers see (secrets redacted); defaults to `arguments`. */
  shownArguments?: Record<string, unknown>;
  agentId: string;
  agentName: string;
  /** The FlowLink user the agent acts for (agent label `user`), who may not approve its calls. */
  requesterUserId?: string | null;
  sessionId: string | null;
  risk?: number | null;
  reasons?: ApprovalReason[];
  policyRule?: string | null;
  policyReason?: string | null;
  requiredApprovals?: number;
}

export interface Decision {
  action: ApprovalAction;
  reason?: string | undefined;
  channel: ApprovalChannel;
  /** The call hash the approver saw; a mismatch is refused (replay of an approval for another call). */
  callHash?: string | undefined;
}

type ChangeListener = (e: { id: string; org: string; state: string }) => void;

/**
 * The approval queue: creates requests, collects votes (N of M, no self-approval),
 * expires and escalates them, and releases the call waiting on this instance when a
 * decision lands on any instance (LISTEN/NOTIFY on `flowlink_approvals`). Network calls
 * (notifiers) run after commit, never inside a transaction.
 */
export function createApprovalService(deps: ApprovalServiceDeps) {
  const { store, logger } = deps;
  const now = deps.clock ?? Date.now;
  const expiryMs = deps.expiryMs ?? DEFAULT_EXPIRY_MS;
  const heartbeatMs = deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const instanceId = deps.instanceId ?? `inst_${randomId()}`;
  const waiters = new Map<string, { resolve: (r: ApprovalRequest) => void; timer: NodeJS.Timeout }>();
  const listeners = new Set<ChangeListener>();
  const viewed = new Set<string>();
  let unlisten: (() => Promise<void>) | undefined;
  let beat: NodeJS.Timeout | undefined;
  let stopped = false;

  async function record(r: ApprovalRequest, kind: 'approval.requested' | 'approval.notified' | 'approval.viewed' | 'approval.approved' | 'approval.denied' | 'approval.expired' | 'approval.escalated' | 'approval.cancelled' | 'approval.failed' | 'approval.rule_suggested', actor: ApprovalActor | undefined, extra: Record<string, unknown> = {}) {
    try {
      await deps.audit.append({
        orgId: r.orgId,
        kind: kind satisfies 'approval.requested' | 'approval.notified' | 'approval.viewed' | 'approval.approved' | 'approval.denied' | 'approval.expired' | 'approval.escalated' | 'approval.cancelled' | 'approval.failed' | 'approval.rule_suggested',
        actor: actor ? { type: actor.type === 'system' ? 'system' : 'user', id: actor.id } : { type: 'system', id: null },
        outcome: kind === 'approval.denied' || kind === 'approval.expired' ? 'denied' : kind === 'approval.failed' ? 'failure' : 'success',
        data: { request_id: r.id, server: r.server, tool: r.tool, call_sha256: r.callHash, session_id: r.sessionId, ...(actor && actor.type !== 'system' ? { actor_name: actor.name.slice(0, 256) } : {}), ...extra },
      });
    } catch (err) {
      logger.error({ err, request: r.id, kind }, 'approval audit event could not be written');
    }
  }

  async function publish(r: Pick<ApprovalRequest, 'id' | 'orgId' | 'state'>) {
    await store.notify(APPROVALS_CHANNEL, JSON.stringify({ id: r.id, org: r.orgId, state: r.state })).catch((err: unknown) => logger.warn({ err }, 'approval notify failed'));
  }

  /** Resolves this instance's waiter for `id` if the request is final. */
  async function refresh(id: string) {
    const w = waiters.get(id);
    if (!w) return;
    const r = await approvalsRepo.get(store, id);
    if (r && r.state !== 'pending' && waiters.get(id) === w) {
      waiters.delete(id);
      clearTimeout(w.timer);
      w.resolve(r);
    }
  }

  async function announce(r: ApprovalRequest, escalatedTo?: string) {
    await Promise.all(
      deps.notifiers.map(async (n) => {
        try {
          const ref = await n.notify(r, escalatedTo ? { escalatedTo } : undefined);
          if (ref !== undefined) await approvalsRepo.setRefs(store, r.id, escalatedTo ? `${n.channel}.escalation` : n.channel, ref);
          await record(r, 'approval.notified', undefined, { channel: n.channel, ...(escalatedTo ? { to: escalatedTo } : {}) });
        } catch (err) {
          logger.warn({ err, channel: n.channel, request: r.id }, 'approval channel could not be notified');
        }
      }),
    );
  }

  async function showOutcome(id: string, outcome: ApprovalOutcome) {
    const r = await approvalsRepo.get(store, id);
    if (!r) return;
    await Promise.all(deps.notifiers.map((n) => n.update(r, outcome).catch((err: unknown) => logger.warn({ err, channel: n.channel, request: id }, 'approval channel could not be updated'))));
  }

  /** A vote is recorded and published; a final one also releases the held call and updates the channels' messages. */
  async function announceVote(request: ApprovalRequest, actor: ApprovalActor, vote: 'approve' | 'deny', channel: ApprovalChannel, reason: string | null, final: boolean) {
    const scope = request.scope ? { scope: request.scope } : {};
    await record(request, vote === 'deny' ? 'approval.denied' : 'approval.approved', actor, { channel, reason, approvals: request.approvals, required: request.requiredApprovals, ...scope });
    await publish(request);
    if (!final) return;
    await refresh(request.id);
    void showOutcome(request.id, { state: request.state as 'approved' | 'denied', by: actor.name, ...(reason ? { reason } : {}), ...scope });
  }

  /** Ends a pending request without a person's decision (expiry, withdrawal, a stopped instance). */
  async function close(id: string, state: 'expired' | 'cancelled' | 'failed', reason: string, actor?: ApprovalActor): Promise<boolean> {
    const done = await approvalsRepo.finish(store, id, { state, reason, by: actor?.id ?? null, byName: actor?.name ?? null, channel: 'system', at: new Date(now()) });
    if (done) {
      const r = (await approvalsRepo.get(store, id))!;
      await record(r, state === 'expired' ? 'approval.expired' : state === 'cancelled' ? 'approval.cancelled' : 'approval.failed', actor, { reason });
      await publish(r);
      void showOutcome(id, { state, reason });
    }
    await refresh(id);
    return done;
  }

  /** Expires and escalates what this instance holds; fails what dead instances held. */
  async function sweep() {
    const at = new Date(now());
    await approvalsRepo.heartbeat(store, instanceId, at);
    for (const r of await approvalsRepo.due(store, instanceId, at)) {
      if (Date.parse(r.expiresAt) <= at.getTime()) await close(r.id, 'expired', `no decision within ${Math.round(expiryMs / 1000)}s`);
      else if (deps.escalation && (await approvalsRepo.markEscalated(store, r.id, at))) {
        await record(r, 'approval.escalated', undefined, { to: deps.escalation.to });
        await publish(r);
        void announce(r, deps.escalation.to);
      }
    }
    for (const r of await approvalsRepo.orphaned(store, instanceId, new Date(at.getTime() - DEAD_AFTER_BEATS * heartbeatMs))) {
      await close(r.id, 'failed', 'the FlowLink instance holding the call stopped before a decision');
    }
  }

  return {
    instanceId,

    async start(): Promise<void> {
      unlisten = await store.listen(APPROVALS_CHANNEL, (payload) => {
        let e: { id: string; org: string; state: string };
        try {
          e = JSON.parse(payload) as typeof e;
        } catch {
          return;
        }
        if (waiters.has(e.id) && e.state !== 'pending') void refresh(e.id);
        for (const l of listeners) l(e);
      });
      await sweep();
      beat = setInterval(() => void sweep().catch((err: unknown) => logger.warn({ err }, 'approval sweep failed')), heartbeatMs);
      beat.unref();
    },

    /** Fails every request this instance holds (the calls end with it) and stops. */
    async stop(): Promise<void> {
      stopped = true;
      if (beat) clearInterval(beat);
      const held = new Set([...waiters.keys(), ...(await approvalsRepo.heldBy(store, instanceId).catch(() => []))]);
      for (const id of held) await close(id, 'failed', 'the FlowLink instance holding the call is shutting down').catch(() => {});
      await approvalsRepo.removeInstance(store, instanceId).catch(() => {});
      await unlisten?.();
    },

    /** Subscribes to state changes of every request (all instances); returns an unsubscribe function. */
    onChange(l: ChangeListener): () => void {
      listeners.add(l);
      return () => listeners.delete(l);
    },

    async create(input: NewApproval): Promise<ApprovalRequest> {
      if (stopped) throw new FlowLinkError('shutting_down', 'FlowLink is shutting down; the call was not run');
      const id = `apr_${randomId()}`;
      const created = now();
      await approvalsRepo.insert(store, {
        id,
        orgId: input.orgId,
        callId: input.callId,
        callHash: callHash(input.server, input.tool, input.arguments),
        server: input.server,
        tool: input.tool,
        arguments: input.shownArguments ?? input.arguments,
        agentId: input.agentId,
        agentName: input.agentName,
        requesterUserId: input.requesterUserId ?? null,
        sessionId: input.sessionId,
        risk: input.risk ?? null,
        reasons: (input.reasons ?? []).slice(0, 20),
        policyRule: input.policyRule ?? null,
        policyReason: input.policyReason ?? null,
        requiredApprovals: Math.max(1, Math.floor(input.requiredApprovals ?? 1)),
        instanceId,
        expiresAt: new Date(created + expiryMs),
        escalateAt: deps.escalation ? new Date(created + deps.escalation.afterMs) : null,
      });
      const r = (await approvalsRepo.get(store, id))!;
      await record(r, 'approval.requested', undefined, { risk: r.risk, rule: r.policyRule, required: r.requiredApprovals });
      await publish(r);
      void announce(r);
      return r;
    },

    /**
     * Waits for the request to reach a final state. It expires on time even if no sweep
     * runs; an aborted signal withdraws it. Resolves with the final request.
     */
    wait(id: string, signal?: AbortSignal): Promise<ApprovalRequest> {
      return new Promise((resolve) => {
        void approvalsRepo.get(store, id).then((r) => {
          if (!r) return;
          if (stopped && r.state === 'pending') void close(id, 'failed', 'the FlowLink instance holding the call is shutting down');
          const timer = setTimeout(() => void close(id, 'expired', `no decision within ${Math.round(expiryMs / 1000)}s`), Math.max(0, Date.parse(r.expiresAt) - now()));
          timer.unref();
          waiters.set(id, { resolve, timer });
          signal?.addEventListener('abort', () => void close(id, 'cancelled', 'the agent cancelled the call'), { once: true });
          if (signal?.aborted) void close(id, 'cancelled', 'the agent cancelled the call');
          void refresh(id);
        });
      });
    },

    get held() {
      return waiters.size;
    },

    get: (orgId: string, id: string) => approvalsRepo.get(store, id, orgId),
    /** Any org's request: only for channels that then check the person's link and role in the request's org. */
    find: (id: string) => approvalsRepo.get(store, id),
    list: (orgId: string, opts: { state?: ApprovalState; limit?: number; before?: string } = {}) => approvalsRepo.list(store, orgId, { state: opts.state, limit: Math.min(opts.limit ?? 50, 200), before: opts.before }),
    history: (r: ApprovalRequest) => approvalsRepo.sessionHistory(store, r.orgId, r.sessionId, r.agentId),
    suggestedRules: (orgId: string) => approvalsRepo.suggestedRules(store, orgId),

    /** Records that a person opened a request (once per person and request on this instance). */
    async viewed(r: ApprovalRequest, actor: ApprovalActor, channel: ApprovalChannel) {
      const key = `${r.id}:${actor.id}`;
      if (viewed.has(key)) return;
      viewed.add(key);
      if (viewed.size > 10_000) viewed.clear();
      await record(r, 'approval.viewed', actor, { channel });
    },

    /** Has this session been approved for this server and tool ("approve for this session")? */
    async sessionGranted(orgId: string, sessionId: string | undefined, server: string, tool: string): Promise<string | undefined> {
      if (!sessionId) return undefined;
      return (await approvalsRepo.sessionGrant(store, orgId, sessionId, server, tool))?.request_id;
    },

    /**
     * A person's decision. Approvals count distinct people up to the required number; one
     * denial ends the request. Refused: the requester deciding, a second vote by the same
     * person, a decision on a closed request, and a call hash that is not this request's.
     */
    async decide(orgId: string, id: string, actor: ApprovalActor, d: Decision): Promise<{ request: ApprovalRequest; final: boolean; suggestedRule?: string }> {
      const reason = d.reason?.slice(0, MAX_REASON) ?? null;
      let suggestion: { id: string; rule: unknown } | undefined;
      const res = await store.tx(async (q) => {
        const r = await approvalsRepo.lock(q, id);
        if (!r || r.orgId !== orgId) throw new FlowLinkError('not_found', 'no such approval request');
        if (d.callHash !== undefined && d.callHash !== r.callHash) throw new FlowLinkError('conflict', 'this approval was given for a different call (server, tool or arguments differ); it cannot be used for this request');
        if (r.state !== 'pending') throw new FlowLinkError('conflict', `the request is already ${r.state}`);
        if (Date.parse(r.expiresAt) <= now()) throw new FlowLinkError('conflict', 'the request has expired');
        if (actor.id === r.agentId || (r.requesterUserId !== null && actor.id === r.requesterUserId)) throw new FlowLinkError('forbidden', 'a requester cannot decide on its own request');
        const vote = d.action === 'deny' ? 'deny' : 'approve';
        if (!(await approvalsRepo.addVote(q, { requestId: id, userId: actor.id, vote, channel: d.channel, reason }))) throw new FlowLinkError('conflict', 'you have already voted on this request');
        if (d.action === 'always_allow') {
          suggestion = { id: `sug_${randomId()}`, rule: { name: `allow-${r.server}-${r.tool}`.slice(0, 100), effect: 'allow', match: { servers: [r.server], tools: [r.tool], agents: [r.agentName] }, note: `suggested from approval ${r.id}` } };
          await approvalsRepo.suggestRule(q, { id: suggestion.id, orgId, requestId: id, rule: suggestion.rule, by: actor.id });
        }
        const at = new Date(now());
        if (vote === 'deny') {
          await approvalsRepo.finish(q, id, { state: 'denied', by: actor.id, byName: actor.name, channel: d.channel, reason: reason ?? 'no reason given', at });
          return { final: true };
        }
        const approvals = await approvalsRepo.countApprovals(q, id);
        if (approvals < r.requiredApprovals) return { final: false, approvals };
        const scope = d.action === 'approve_session' && r.sessionId ? 'session' : 'once';
        await approvalsRepo.finish(q, id, { state: 'approved', scope, by: actor.id, byName: actor.name, channel: d.channel, reason, at });
        if (scope === 'session') await approvalsRepo.grantSession(q, { orgId, sessionId: r.sessionId!, server: r.server, tool: r.tool, requestId: id, by: actor.id });
        return { final: true, approvals };
      });
      const request = (await approvalsRepo.get(store, id))!;
      if (suggestion) await record(request, 'approval.rule_suggested', actor, { channel: d.channel });
      await announceVote(request, actor, d.action === 'deny' ? 'deny' : 'approve', d.channel, reason, res.final);
      return { request, final: res.final, ...(suggestion ? { suggestedRule: suggestion.id } : {}) };
    },

    /**
     * Withdraws a pending request on the agent's behalf (a task cancelled on any instance):
     * the instance holding the call sees the change and stops it. False when not pending.
     */
    async withdraw(orgId: string, id: string, reason: string): Promise<boolean> {
      const r = await approvalsRepo.get(store, id, orgId);
      if (!r || r.state !== 'pending') return false;
      return close(id, 'cancelled', reason);
    },

    /**
     * The answer given in the agent's own client (MCP elicitation, opt-in per org). The person
     * there is the requester, so this channel is weaker: it may deny anything, but approves
     * only a request that needs a single approval; it never counts toward N of M.
     */
    async decideInClient(r: ApprovalRequest, action: 'approve' | 'deny', reason: string | undefined): Promise<boolean> {
      if (action === 'approve' && r.requiredApprovals > 1) return false;
      const actor: ApprovalActor = { type: 'user', id: r.requesterUserId ?? `agent:${r.agentId}`, name: `${r.agentName} (in the agent's client)` };
      const at = new Date(now());
      const text = reason?.slice(0, MAX_REASON) ?? null;
      const done = await store.tx(async (q) => {
        const cur = await approvalsRepo.lock(q, r.id);
        if (!cur || cur.orgId !== r.orgId || cur.state !== 'pending' || Date.parse(cur.expiresAt) <= now()) return false;
        if (!(await approvalsRepo.addVote(q, { requestId: r.id, userId: actor.id, vote: action, channel: 'elicitation', reason: text }))) return false;
        await approvalsRepo.finish(q, r.id, action === 'deny'
          ? { state: 'denied', by: actor.id, byName: actor.name, channel: 'elicitation', reason: text ?? 'declined in the agent\'s client', at }
          : { state: 'approved', scope: 'once', by: actor.id, byName: actor.name, channel: 'elicitation', reason: text, at });
        return true;
      });
      if (!done) return false;
      const request = (await approvalsRepo.get(store, r.id))!;
      await announceVote(request, actor, action, 'elicitation', text, true);
      return true;
    },

    /** Runs one sweep now (tests, and `start`). */
    sweep,
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
