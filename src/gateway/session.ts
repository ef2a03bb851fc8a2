import type { JsonRpcId, JsonRpcMessage, JsonRpcNotification, JsonRpcResponse } from './jsonrpc.ts';
import { errorResponse } from './jsonrpc.ts';
import type { Peer } from './upstream.ts';
import type { AgentIdentity } from '../identity/agents.service.ts';
import type { Target } from './router.ts';
import { randomId } from '../lib/secure-compare.ts';
import { JsonRpcCode } from '../lib/errors.ts';

/** Where a session's outgoing messages go; HTTP and WebSocket implement it differently. */
export interface SessionOutput {
  /** Ends the session's open streams (the GET stream, pending POST responses). */
  close?(): void;
  /** A message tied to one of the agent's requests; returns false if that request's stream is gone. */
  sendRelated(requestId: JsonRpcId, m: JsonRpcMessage): boolean;
  /** A message not tied to a request (list changes, logs, resource updates). */
  sendUnrelated(m: JsonRpcMessage): void;
}

const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const SERVER_REQUEST_TIMEOUT_MS = 10 * 60_000;

/**
 * One agent session of the session-based protocol era (initialize … DELETE), over
 * Streamable HTTP or WebSocket. It is the Peer that upstreams route to.
 */
export class AgentSession implements Peer {
  readonly id = randomId() + randomId();
  lastActive = Date.now();
  logLevel: string | undefined;
  readonly subscriptions = new Set<string>();
  private readonly pending = new Map<string, { resolve: (r: JsonRpcResponse) => void; timer: NodeJS.Timeout }>();
  private nextServerId = 1;
  /** Requests of this session now running, so a disconnect or DELETE can cancel them. */
  readonly running = new Map<JsonRpcId, AbortController>();
  output: SessionOutput | undefined;

  constructor(
    readonly identity: AgentIdentity,
    readonly tokenHash: string | undefined,
    readonly target: Target,
    readonly protocol: string,
    readonly client: { name?: string; version?: string } | undefined,
    readonly capabilities: Record<string, unknown>,
  ) {}

  touch() {
    this.lastActive = Date.now();
  }

  notify(n: JsonRpcNotification, relatedTo?: JsonRpcId): void {
    if (!this.output) return;
    if (relatedTo !== undefined && this.output.sendRelated(relatedTo, n)) return;
    this.output.sendUnrelated(n);
  }

  wants(n: JsonRpcNotification): boolean {
    switch (n.method) {
      case 'notifications/message': {
        const level = String(n.params?.level ?? 'info');
        return this.logLevel !== undefined && LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.logLevel);
      }
      case 'notifications/resources/updated':
        return this.subscriptions.has(String(n.params?.uri));
      default:
        return n.method.endsWith('/list_changed');
    }
  }

  request(method: string, params: Record<string, unknown> | undefined, relatedTo?: JsonRpcId): Promise<JsonRpcResponse> {
    const out = this.output;
    const id = `fl-${this.nextServerId++}`;
    if (!out) return Promise.resolve(errorResponse(id, JsonRpcCode.ConnectionClosed, 'the agent session has no open stream'));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(errorResponse(id, JsonRpcCode.RequestTimeout, `the agent did not answer ${method} in time`));
      }, SERVER_REQUEST_TIMEOUT_MS);
      timer.unref();
      this.pending.set(id, { resolve, timer });
      const msg = { jsonrpc: '2.0' as const, id, method, ...(params ? { params } : {}) };
      if (relatedTo === undefined || !out.sendRelated(relatedTo, msg)) out.sendUnrelated(msg);
    });
  }

  /** A response the agent posted to one of our server-to-client requests. Returns false if unknown. */
  deliverResponse(r: JsonRpcResponse): boolean {
    const p = this.pending.get(String(r.id));
    if (!p) return false;
    this.pending.delete(String(r.id));
    clearTimeout(p.timer);
    p.resolve(r);
    return true;
  }

  close(): void {
    for (const ac of this.running.values()) ac.abort();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(errorResponse(id, JsonRpcCode.ConnectionClosed, 'the agent session closed'));
    }
    this.pending.clear();
    this.output?.close?.();
    this.output = undefined;
  }
}

/** Live sessions, closed after an idle timeout (many clients never send DELETE). */
export function createSessionStore(opts: { idleTimeoutMs: number; onClose: (s: AgentSession) => void }) {
  const sessions = new Map<string, AgentSession>();
  const sweep = setInterval(() => {
    const cutoff = Date.now() - opts.idleTimeoutMs;
    for (const s of sessions.values()) if (s.lastActive < cutoff && s.running.size === 0) remove(s.id);
  }, Math.min(60_000, Math.max(1000, opts.idleTimeoutMs / 4)));
  sweep.unref();

  function remove(id: string): boolean {
    const s = sessions.get(id);
    if (!s) return false;
    sessions.delete(id);
    s.close();
    opts.onClose(s);
    return true;
  }

  return {
    add(s: AgentSession) {
      sessions.set(s.id, s);
    },
    get: (id: string) => sessions.get(id),
    remove,
    get size() {
      return sessions.size;
    },
    all: () => [...sessions.values()],
    closeAll() {
      clearInterval(sweep);
      for (const id of [...sessions.keys()]) remove(id);
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
