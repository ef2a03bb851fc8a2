import type { Stage } from './types.ts';
import type { AgentIdentity } from '../identity/agents.service.ts';
import { runPipeline } from './run.ts';
import { randomId } from '../lib/secure-compare.ts';

export interface DecideInput {
  identity: AgentIdentity;
  tokenHash: string | undefined;
  sessionId: string | undefined;
  client: { name?: string; version?: string } | undefined;
  /** Where the action happens: an MCP server name, or the agent's own tool host (e.g. "claude-code"). */
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  signal: AbortSignal;
}

export interface DecideOutcome {
  allowed: boolean;
  /** What the stages recorded: shield verdict, policy decision, approval, ... */
  decision: Record<string, unknown>;
  /** Why it was refused, when it was: the same typed error a relayed call would get. */
  error?: { code: string; message: string; data?: unknown };
}

/**
 * Runs a call through every stage without executing it: for actions that do not travel
 * through FlowLink (a coding agent's built-in shell or file tools, reported by hooks). The
 * "forward" step only marks the call as allowed; the audit stage records it like any
 * other call, with `decision.mode = "decide"`.
 */
export async function decideCall(stages: readonly Stage[], input: DecideInput): Promise<DecideOutcome> {
  const decision: Record<string, unknown> = { mode: 'decide' };
  const res = await runPipeline(stages, {
    callId: `call_${randomId()}`,
    requestId: 0,
    identity: input.identity,
    tokenHash: input.tokenHash,
    session: { id: input.sessionId, protocol: 'decide', client: input.client },
    server: input.server,
    tool: input.tool,
    arguments: input.arguments,
    meta: undefined,
    startedAt: new Date(),
    signal: input.signal,
    decision,
    forward: async () => ({ jsonrpc: '2.0', id: 0, result: { content: [] } }),
  });
  if ('error' in res) {
    const data = res.error.data as { code?: string } | undefined;
    return { allowed: false, decision, error: { code: data?.code ?? 'denied', message: res.error.message, data: res.error.data } };
  }
  return { allowed: true, decision };
}
