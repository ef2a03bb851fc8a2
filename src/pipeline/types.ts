import type { AgentIdentity } from '../identity/agents.service.ts';
import type { JsonRpcId, JsonRpcResponse } from '../gateway/jsonrpc.ts';

/** What every stage knows about one tool call. Stages may add to `decision` and replace `arguments`. */
export interface CallContext {
  readonly callId: string;
  readonly requestId: JsonRpcId;
  identity: AgentIdentity;
  /** SHA-256 of the bearer token the call came with (re-checked per call), or undefined for the anonymous identity. */
  readonly tokenHash: string | undefined;
  readonly session: { id: string | undefined; protocol: string; client: { name?: string; version?: string } | undefined };
  /** Upstream server name and the tool's name on that server (not namespaced). */
  readonly server: string;
  readonly tool: string;
  arguments: Record<string, unknown>;
  readonly meta: Record<string, unknown> | undefined;
  readonly startedAt: Date;
  readonly signal: AbortSignal;
  /** Verdicts recorded by stages (shield, policy, approval, ...), stored with the call. */
  readonly decision: Record<string, unknown>;
  /** Sends the call to the upstream server; only the forward stage calls it. */
  readonly forward: (args: Record<string, unknown>) => Promise<JsonRpcResponse>;
  /**
   * Sends `notifications/progress` for this call to the agent (set by the router when the
   * call's `_meta.progressToken` exists); the approval stage uses it while a call waits.
   */
  readonly progress?: (n: { progress: number; total?: number; message?: string }) => void;
  /**
   * Sends a server-to-client request (elicitation) to the agent's own client, related to this
   * call; set only when the client declared the elicitation capability. For a 2026-07-28 agent
   * the request travels as an InputRequiredResult (or a task's inputRequests).
   */
  readonly ask?: (method: string, params: Record<string, unknown>) => Promise<JsonRpcResponse>;
  /**
   * Answers the agent now with a task it polls, while the call goes on in the background; set
   * only for 2026-07-28 agents that declared the Tasks extension. The approval stage uses it
   * for a wait that can take hours.
   */
  readonly detach?: (task: TaskDetach) => void;
}

export interface TaskDetach {
  /** Shown in the task's statusMessage while it is working. */
  message: string;
  /** The approval request the task waits on (a restart of the holding instance fails it). */
  approvalId: string;
  /** When the task gives up (the approval's expiry). */
  expiresAt: string;
}

/** A stage wraps the rest of the pipeline: it may stop the call, change it, or look at its outcome. */
export interface Stage {
  readonly name: string;
  run(ctx: CallContext, next: () => Promise<JsonRpcResponse>): Promise<JsonRpcResponse>;
}
