import type { JsonRpcId, JsonRpcNotification, JsonRpcResponse } from './jsonrpc.ts';
import { errorResponse } from './jsonrpc.ts';
import type { Peer } from './upstream.ts';
import type { ResponseChannel } from './sse.ts';
import { META } from './era.ts';
import { randomId } from '../lib/secure-compare.ts';
import { JsonRpcCode } from '../lib/errors.ts';

const CAPABILITY_FOR: Record<string, string> = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' };
const CONTINUATION_TTL_MS = 10 * 60_000;

type Step = { kind: 'done'; response: JsonRpcResponse } | { kind: 'input'; requests: Record<string, { method: string; params?: Record<string, unknown> }> };

/**
 * The peer behind one stateless (2026-07-28) request. Related notifications go to the
 * request's own response stream; a server-to-client request from a session-based
 * upstream becomes an InputRequiredResult, and the agent's retry resumes the same
 * upstream call (see Continuations).
 */
export class ModernPeer implements Peer {
  readonly id = `req-${randomId()}`;
  channel: ResponseChannel | undefined;
  private waiting: { key: string; method: string; params?: Record<string, unknown>; resolve: (r: JsonRpcResponse) => void }[] = [];
  private wake: (() => void) | undefined;
  private nextKey = 1;

  constructor(
    readonly capabilities: Record<string, unknown>,
    readonly logLevel: string | undefined,
  ) {}

  notify(n: JsonRpcNotification, relatedTo?: JsonRpcId): void {
    if (relatedTo === undefined) return; // unsolicited notifications only travel on subscriptions/listen
    if (n.method === 'notifications/message' && this.logLevel === undefined) return;
    this.channel?.push(n);
  }

  wants(): boolean {
    return false;
  }

  request(method: string, params: Record<string, unknown> | undefined): Promise<JsonRpcResponse> {
    const cap = CAPABILITY_FOR[method];
    if (!cap || this.capabilities[cap] === undefined) {
      return Promise.resolve(errorResponse(0, JsonRpcCode.MethodNotFound, `the agent did not declare the "${cap ?? method}" capability`));
    }
    return new Promise((resolve) => {
      this.waiting.push({ key: `input-${this.nextKey++}`, method, ...(params ? { params } : {}), resolve });
      this.wake?.();
    });
  }

  /** Waits for the call to finish or to need input from the agent, whichever comes first. */
  async step(response: Promise<JsonRpcResponse>): Promise<Step> {
    const fresh = () => this.waiting.filter((w) => !w.key.startsWith('sent:'));
    if (fresh().length === 0) {
      const inputArrived = new Promise<'input'>((r) => (this.wake = () => r('input')));
      const first = await Promise.race([response.then((res) => ({ res })), inputArrived]);
      this.wake = undefined;
      if (first !== 'input') return { kind: 'done', response: first.res };
    }
    const requests: Record<string, { method: string; params?: Record<string, unknown> }> = {};
    for (const w of fresh()) {
      requests[w.key] = { method: w.method, ...(w.params ? { params: w.params } : {}) };
      w.key = `sent:${w.key}`;
    }
    return { kind: 'input', requests };
  }

  /** Delivers the agent's inputResponses to the upstream requests that asked for them. Returns the keys still missing. */
  answer(inputResponses: Record<string, unknown>): string[] {
    const missing = this.waiting.map((w) => keyOf(w)).filter((k) => !(k in inputResponses));
    this.deliver(inputResponses);
    return missing;
  }

  /** Every request still waiting for the agent (a task's inputRequests). */
  pendingInputs(): Record<string, { method: string; params?: Record<string, unknown> }> {
    const out: Record<string, { method: string; params?: Record<string, unknown> }> = {};
    for (const w of this.waiting) out[keyOf(w)] = { method: w.method, ...(w.params ? { params: w.params } : {}) };
    return out;
  }

  /** Delivers the answers it has (tasks/update may answer some of several). Returns the keys nobody asked for. */
  answerSome(inputResponses: Record<string, unknown>): string[] {
    const known = new Set(this.waiting.map((w) => keyOf(w)));
    const unknown = Object.keys(inputResponses).filter((k) => !known.has(k));
    this.deliver(inputResponses);
    return unknown;
  }

  /** Resolves the waiting requests that have an answer, and forgets them. */
  private deliver(inputResponses: Record<string, unknown>): void {
    this.waiting = this.waiting.filter((w) => {
      const key = keyOf(w);
      if (!(key in inputResponses)) return true;
      w.resolve({ jsonrpc: '2.0', id: 0, result: inputResponses[key] as Record<string, unknown> });
      return false;
    });
  }

  cancel(): void {
    for (const w of this.waiting) w.resolve(errorResponse(0, JsonRpcCode.RequestTimeout, 'the agent did not provide the requested input'));
    this.waiting = [];
  }
}

/** A waiting request's key as the agent knows it (without the "already sent" mark). */
function keyOf(w: { key: string }): string {
  return w.key.replace(/^sent:/, '');
}

interface Continuation {
  peer: ModernPeer;
  response: Promise<JsonRpcResponse>;
  agentId: string;
  method: string;
  expires: NodeJS.Timeout;
  abort: AbortController;
}

/**
 * Upstream calls parked while the agent answers an InputRequiredResult. The opaque
 * requestState names the continuation; it is bound to the agent that started it.
 * Continuations live in this instance: a retry that lands on another instance gets a
 * clear error (documented in docs/ARCHITECTURE.md).
 */
export function createContinuations() {
  const map = new Map<string, Continuation>();
  return {
    park(c: Omit<Continuation, 'expires'>): string {
      const id = `flc_${randomId()}${randomId()}`;
      const expires = setTimeout(() => {
        map.delete(id);
        c.peer.cancel();
        c.abort.abort();
      }, CONTINUATION_TTL_MS);
      expires.unref();
      map.set(id, { ...c, expires });
      return id;
    },
    take(id: string, agentId: string, method: string): Continuation | undefined {
      const c = map.get(id);
      if (!c || c.agentId !== agentId || c.method !== method) return undefined;
      map.delete(id);
      clearTimeout(c.expires);
      return c;
    },
    get size() {
      return map.size;
    },
  };
}

export function modernLogLevel(meta: Record<string, unknown> | undefined): string | undefined {
  const v = meta?.[META.logLevel];
  return typeof v === 'string' ? v : undefined;
}
