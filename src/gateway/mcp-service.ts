import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from './jsonrpc.ts';
import { errorResponse, isNotification, isRequest, isResponse } from './jsonrpc.ts';
import type { Router, Target, RequestOrigin } from './router.ts';
import type { Registry } from './registry.ts';
import { AGGREGATE_CAPABILITIES } from './aggregate.ts';
import { AgentSession, type SessionStore } from './session.ts';
import { LEGACY_VERSIONS } from './era.ts';
import type { Authenticated } from './auth.ts';
import { FlowLinkError, JsonRpcCode } from '../lib/errors.ts';
import { FLOWLINK_CLIENT_INFO } from './registry.ts';

/**
 * The session-based (2025) protocol, independent of transport: Streamable HTTP and
 * WebSocket both feed messages in here and supply the session's output.
 */
export function createLegacyService(deps: { router: Router; registry: Registry; sessions: SessionStore }) {
  const { router, registry, sessions } = deps;

  async function initialize(auth: Authenticated, target: Target, req: JsonRpcRequest): Promise<{ session: AgentSession; response: JsonRpcResponse }> {
    const p = req.params ?? {};
    const requested = typeof p.protocolVersion === 'string' ? p.protocolVersion : LEGACY_VERSIONS[0]!;
    const version = LEGACY_VERSIONS.includes(requested) ? requested : LEGACY_VERSIONS[0]!;
    const clientInfo = p.clientInfo as { name?: string; version?: string } | undefined;
    const session = new AgentSession(auth.identity, auth.tokenHash, target, version, clientInfo, (p.capabilities as Record<string, unknown>) ?? {});
    let result: Record<string, unknown>;
    if (target.kind === 'single') {
      const upstream = registry.get(target.server, session, { info: clientInfo as { name: string; version: string }, capabilities: session.capabilities });
      try {
        const init = await upstream.ready();
        result = { protocolVersion: version, capabilities: init.capabilities, serverInfo: init.serverInfo, ...(init.instructions ? { instructions: init.instructions } : {}) };
      } catch (err) {
        await registry.release(session);
        const e = err instanceof FlowLinkError ? err : new FlowLinkError('upstream_unavailable', String(err));
        return { session, response: errorResponse(req.id, e.rpc, e.message) };
      }
    } else {
      result = {
        protocolVersion: version,
        capabilities: AGGREGATE_CAPABILITIES,
        serverInfo: { ...FLOWLINK_CLIENT_INFO, title: 'FlowLink' },
        instructions: `Tools from ${registry.names().length} servers (${registry.names().join(', ')}), named <server>__<tool>.`,
      };
      for (const name of registry.names()) registry.get(name, session);
    }
    sessions.add(session);
    return { session, response: { jsonrpc: '2.0', id: req.id, result } };
  }

  function origin(session: AgentSession, signal: AbortSignal): RequestOrigin {
    return {
      identity: session.identity,
      tokenHash: session.tokenHash,
      sessionId: session.id,
      protocol: session.protocol,
      client: session.client,
      clientCapabilities: session.capabilities,
      peer: session,
      target: session.target,
      signal,
    };
  }

  /** Handles one request inside a session; resolves with the response to send. */
  async function request(session: AgentSession, req: JsonRpcRequest): Promise<JsonRpcResponse> {
    session.touch();
    if (req.method === 'initialize') return errorResponse(req.id, JsonRpcCode.InvalidRequest, 'the session is already initialized');
    if (req.method === 'logging/setLevel') session.logLevel = String(req.params?.level ?? 'info');
    if (req.method === 'resources/subscribe') session.subscriptions.add(String(req.params?.uri));
    if (req.method === 'resources/unsubscribe') session.subscriptions.delete(String(req.params?.uri));
    const ac = new AbortController();
    session.running.set(req.id, ac);
    try {
      return await router.handle(origin(session, ac.signal), req);
    } finally {
      session.running.delete(req.id);
      session.touch();
    }
  }

  /** Handles a notification or a response from the agent. */
  function inbound(session: AgentSession, m: JsonRpcMessage): void {
    session.touch();
    if (isResponse(m)) {
      session.deliverResponse(m);
      return;
    }
    if (!isNotification(m)) return;
    if (m.method === 'notifications/cancelled') {
      const id = m.params?.requestId;
      if (id !== undefined) session.running.get(id as string | number)?.abort();
      return;
    }
    if (m.method === 'notifications/roots/list_changed' && session.target.kind === 'single') {
      registry.get(session.target.server, session).notify(m);
    }
  }

  return { initialize, request, inbound, isRequest };
}

export type LegacyService = ReturnType<typeof createLegacyService>;
