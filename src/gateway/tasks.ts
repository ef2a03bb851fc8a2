import type { Queryable } from '../store/store.ts';
import type { JsonRpcResponse } from './jsonrpc.ts';
import type { ModernPeer } from './modern.ts';
import { randomId } from '../lib/secure-compare.ts';

/** The Tasks extension's identifier (SEP-2663), under capabilities.extensions on both sides. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
export const TASK_METHODS = new Set(['tasks/get', 'tasks/update', 'tasks/cancel']);
/** SEP-2575 "Missing Required Client Capability": tasks/* without the extension declared. */
export const MISSING_CAPABILITY = -32021;

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export function declaresTasks(caps: Record<string, unknown>): boolean {
  const ext = caps.extensions;
  return typeof ext === 'object' && ext !== null && (ext as Record<string, unknown>)[TASKS_EXTENSION] !== undefined;
}

interface Row {
  id: string;
  status: TaskStatus;
  status_message: string | null;
  result: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  created_at: Date | string;
  updated_at: Date | string;
  expires_at: Date | string;
  approval_state: string | null;
  instance_id: string;
}

/** What this instance keeps of a task it is running: the peer (for input) and the call's abort. */
interface Running {
  peer: ModernPeer;
  abort: AbortController;
}

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

/**
 * Tasks of held calls. The row in the store is the truth, so `tasks/get` works on any
 * instance; the running call (its peer and abort) lives on the instance that holds it.
 * A task whose holding instance died is reported failed once its approval request is
 * closed as failed (the approvals sweep does that within a few heartbeats).
 */
export function createTaskStore(deps: { store: Queryable; instanceId: string; ttlMs: number; pollIntervalMs: number; clock?: () => number }) {
  const { store } = deps;
  const now = deps.clock ?? Date.now;
  const running = new Map<string, Running>();
  const ttlMs = Math.round(deps.ttlMs);
  const pollIntervalMs = Math.round(deps.pollIntervalMs);

  function wire(r: Row, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      taskId: r.id,
      status: r.status,
      ...(r.status_message ? { statusMessage: r.status_message } : {}),
      createdAt: iso(r.created_at),
      lastUpdatedAt: iso(r.updated_at),
      ttlMs,
      pollIntervalMs,
      ...extra,
    };
  }

  async function load(id: string, orgId: string, agentId: string): Promise<Row | undefined> {
    const rows = await store.query<Row>(
      `SELECT t.id, t.status, t.status_message, t.result, t.error, t.created_at, t.updated_at, t.expires_at, t.instance_id, a.state AS approval_state
         FROM mcp_tasks t LEFT JOIN approval_requests a ON a.id = t.approval_id AND a.org_id = t.org_id
        WHERE t.id = $1 AND t.org_id = $2 AND t.agent_id = $3 AND t.expires_at > $4`,
      [id, orgId, agentId, new Date(now()).toISOString()],
      { name: 'tasks_get' },
    );
    return rows[0];
  }

  async function settle(id: string, status: TaskStatus, fields: { result?: unknown; error?: unknown; message?: string | null }): Promise<void> {
    await store.query(
      `UPDATE mcp_tasks SET status = $2, result = $3, error = $4, status_message = $5, updated_at = $6, expires_at = $7 WHERE id = $1 AND status IN ('working', 'input_required')`,
      [id, status, fields.result === undefined ? null : JSON.stringify(fields.result), fields.error === undefined ? null : JSON.stringify(fields.error), fields.message ?? null, new Date(now()).toISOString(), new Date(now() + ttlMs).toISOString()],
      { name: 'tasks_settle' },
    );
  }

  return {
    /** Creates the task for a call that is about to wait; returns the CreateTaskResult body. */
    async create(t: { orgId: string; agentId: string; approvalId: string; message: string; expiresAt: string; peer: ModernPeer; abort: AbortController }): Promise<Record<string, unknown>> {
      const id = `task_${randomId()}${randomId()}`;
      const at = new Date(now());
      // The row outlives the wait: it stays readable for ttlMs after the approval's expiry.
      const expires = new Date(Math.max(Date.parse(t.expiresAt), at.getTime()) + ttlMs);
      await store.query(
        `INSERT INTO mcp_tasks (id, org_id, agent_id, approval_id, status, status_message, instance_id, created_at, updated_at, expires_at) VALUES ($1, $2, $3, $4, 'working', $5, $6, $7, $7, $8)`,
        [id, t.orgId, t.agentId, t.approvalId, t.message.slice(0, 1024), deps.instanceId, at.toISOString(), expires.toISOString()],
        { name: 'tasks_create' },
      );
      running.set(id, { peer: t.peer, abort: t.abort });
      return { resultType: 'task', ...wire({ id, status: 'working', status_message: t.message, result: null, error: null, created_at: at, updated_at: at, expires_at: expires, approval_state: 'pending', instance_id: deps.instanceId }) };
    },

    /** Records the call's outcome: a result (tool errors included) completes, a JSON-RPC error fails. */
    async finish(id: string, response: JsonRpcResponse): Promise<void> {
      running.delete(id);
      if ('error' in response) await settle(id, 'failed', { error: response.error, message: response.error.message });
      else await settle(id, 'completed', { result: { ...response.result, resultType: 'complete' } });
    },

    /** tasks/get: the DetailedTask, or undefined when unknown, expired, or not this agent's. */
    async get(id: string, orgId: string, agentId: string): Promise<Record<string, unknown> | undefined> {
      const r = await load(id, orgId, agentId);
      if (!r) return undefined;
      if (r.status === 'completed') return wire(r, { result: r.result });
      if (r.status === 'failed') return wire(r, { error: r.error });
      if (r.status === 'cancelled') return wire(r);
      const here = running.get(id);
      if (!here && r.instance_id !== deps.instanceId && r.approval_state === 'failed') {
        const error = { code: -32603, message: 'The FlowLink instance holding this call stopped before it finished; the call did not run' };
        await settle(id, 'failed', { error, message: error.message });
        return wire({ ...r, status: 'failed', status_message: error.message }, { error });
      }
      const inputs = here?.peer.pendingInputs() ?? {};
      if (Object.keys(inputs).length > 0) return wire({ ...r, status: 'input_required' }, { inputRequests: inputs });
      return wire(r);
    },

    /** tasks/update: answers for the task's inputRequests. Returns the keys it did not expect, or undefined when the task is unknown. */
    async update(id: string, orgId: string, agentId: string, responses: Record<string, unknown>): Promise<{ unknown: string[] } | undefined> {
      const r = await load(id, orgId, agentId);
      if (!r) return undefined;
      const here = running.get(id);
      if (!here) return { unknown: Object.keys(responses) };
      return { unknown: here.peer.answerSome(responses) };
    },

    /**
     * tasks/cancel: withdraws the held call. Idempotent on terminal tasks. On another
     * instance the abort cannot reach the call, so the caller also withdraws the approval
     * request (which releases the held call wherever it is).
     */
    async cancel(id: string, orgId: string, agentId: string): Promise<{ approvalId: string | null; local: boolean } | undefined> {
      const rows = await store.query<{ approval_id: string | null; status: TaskStatus }>(
        `SELECT approval_id, status FROM mcp_tasks WHERE id = $1 AND org_id = $2 AND agent_id = $3 AND expires_at > $4`,
        [id, orgId, agentId, new Date(now()).toISOString()],
        { name: 'tasks_cancel_find' },
      );
      const r = rows[0];
      if (!r) return undefined;
      if (r.status !== 'working' && r.status !== 'input_required') return { approvalId: null, local: false };
      await settle(id, 'cancelled', { message: 'Cancelled by the agent' });
      const here = running.get(id);
      running.delete(id);
      here?.peer.cancel();
      here?.abort.abort();
      return { approvalId: r.approval_id, local: here !== undefined };
    },

    /** Deletes tasks past their ttl. */
    async sweep(): Promise<void> {
      await store.query(`DELETE FROM mcp_tasks WHERE expires_at <= $1`, [new Date(now()).toISOString()], { name: 'tasks_sweep' });
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
