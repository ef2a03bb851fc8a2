import { errorResponse, type JsonRpcId, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.ts';
import type { Peer } from './upstream.ts';
import type { Registry } from './registry.ts';
import type { AgentIdentity } from '../identity/agents.service.ts';
import type { CallContext, Stage } from '../pipeline/types.ts';
import { runPipeline } from '../pipeline/run.ts';
import { JsonRpcCode } from '../lib/errors.ts';
import { randomId } from '../lib/secure-compare.ts';
import { createAggregate } from './aggregate.ts';

/** Where a request is going: one upstream (`/mcp/<server>`) or all of them (`/mcp`). */
export type Target = { kind: 'single'; server: string } | { kind: 'aggregate' };

/** Everything the router needs to know about the agent behind a request. */
export interface RequestOrigin {
  identity: AgentIdentity;
  tokenHash: string | undefined;
  sessionId: string | undefined;
  protocol: string;
  client: { name?: string; version?: string } | undefined;
  clientCapabilities: Record<string, unknown>;
  peer: Peer;
  target: Target;
  signal: AbortSignal;
  /** Set by the stateless service for agents that declared the Tasks extension (see CallContext.detach). */
  detach?: CallContext['detach'];
}

export interface RouterDeps {
  registry: Registry;
  /** Hides tools an agent must not see (quarantined by Shield); runs on every tools/list. */
  filterTools?: (o: RequestOrigin, server: string, tools: Record<string, unknown>[]) => Promise<Record<string, unknown>[]>;
  pipeline: readonly Stage[];
  onCall?: (server: string, tool: string, ms: number, outcome: string) => void;
}

/** Tool calls stay within one agent session, so a tool name is split on the first "__". */
export const NAMESPACE_SEP = '__';

/**
 * Dispatches one agent request (any era, any transport) to the upstream(s). Only
 * tools/call goes through the pipeline; other methods are forwarded as they are, which
 * keeps resources, prompts, completions and the rest transparent.
 */
export function createRouter(deps: RouterDeps) {
  const { registry } = deps;
  const aggregate = createAggregate(registry, deps.filterTools);

  function upstreamFor(o: RequestOrigin, server: string) {
    return registry.get(server, o.peer, { info: o.client as { name: string; version: string } | undefined, capabilities: o.clientCapabilities });
  }

  async function forward(o: RequestOrigin, server: string, req: { id: JsonRpcId; method: string; params?: Record<string, unknown> | undefined }): Promise<JsonRpcResponse> {
    return upstreamFor(o, server).request(o.peer, req, { signal: o.signal });
  }

  async function callTool(o: RequestOrigin, server: string, tool: string, req: JsonRpcRequest): Promise<JsonRpcResponse> {
    const params = req.params ?? {};
    const args = (params.arguments ?? {}) as Record<string, unknown>;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return errorResponse(req.id, JsonRpcCode.InvalidParams, '"arguments" must be an object');
    const started = performance.now();
    const progressToken = (params._meta as { progressToken?: string | number } | undefined)?.progressToken;
    const res = await runPipeline(deps.pipeline, {
      callId: `call_${randomId()}`,
      requestId: req.id,
      identity: o.identity,
      tokenHash: o.tokenHash,
      session: { id: o.sessionId, protocol: o.protocol, client: o.client },
      server,
      tool,
      arguments: args,
      meta: params._meta as Record<string, unknown> | undefined,
      startedAt: new Date(),
      signal: o.signal,
      decision: {},
      ...(progressToken !== undefined
        ? { progress: (n: { progress: number; total?: number; message?: string }) => o.peer.notify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, ...n } }, req.id) }
        : {}),
      ...(o.clientCapabilities.elicitation !== undefined ? { ask: (method: string, p: Record<string, unknown>) => o.peer.request(method, p, req.id) } : {}),
      ...(o.detach ? { detach: o.detach } : {}),
      forward: (finalArgs) => forward(o, server, { id: req.id, method: 'tools/call', params: { ...params, name: tool, arguments: finalArgs } }),
    });
    deps.onCall?.(server, tool, performance.now() - started, 'error' in res ? 'error' : (res.result as { isError?: boolean }).isError ? 'tool_error' : 'ok');
    return res;
  }

  return {
    async handle(o: RequestOrigin, req: JsonRpcRequest): Promise<JsonRpcResponse> {
      if (req.method === 'ping') return { jsonrpc: '2.0', id: req.id, result: {} };
      if (o.target.kind === 'single') {
        const server = o.target.server;
        if (req.method === 'tools/call') {
          const name = req.params?.name;
          if (typeof name !== 'string' || !name) return errorResponse(req.id, JsonRpcCode.InvalidParams, 'tools/call needs a "name"');
          return callTool(o, server, name, req);
        }
        const res = await forward(o, server, req);
        if (req.method === 'tools/list' && deps.filterTools && 'result' in res && Array.isArray(res.result.tools)) {
          return { ...res, result: { ...res.result, tools: await deps.filterTools(o, server, res.result.tools as Record<string, unknown>[]) } };
        }
        return res;
      }
      // Aggregate: /mcp
      if (req.method === 'tools/call') {
        const name = req.params?.name;
        const split = typeof name === 'string' ? aggregate.splitName(name) : undefined;
        if (!split) return errorResponse(req.id, JsonRpcCode.InvalidParams, `unknown tool "${String(name)}": tools on /mcp are named <server>${NAMESPACE_SEP}<tool>`);
        return callTool(o, split.server, split.name, req);
      }
      return aggregate.handle(o, req, (server, r) => forward(o, server, r));
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
