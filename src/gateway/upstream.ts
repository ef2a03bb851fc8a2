import type { Link } from './stdio-link.ts';
import { errorResponse, isNotification, isRequest, isResponse, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.ts';
import { FlowLinkError, JsonRpcCode } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';

/** The protocol revision FlowLink speaks to upstream servers (the session-based era, which every server supports). */
export const UPSTREAM_PROTOCOL = '2025-11-25';
const UPSTREAM_ACCEPTED = new Set(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']);

/**
 * The agent-side peer an upstream routes to: an agent session, or one stateless request.
 * Implemented by the gateway; the upstream never knows which transport or era is behind it.
 */
export interface Peer {
  readonly id: string;
  /** Client capabilities the agent declared (sampling, elicitation, roots). */
  readonly capabilities: Record<string, unknown>;
  /** A notification for the agent, related to one of its requests when relatedTo is set. */
  notify(n: JsonRpcNotification, relatedTo?: JsonRpcId): void;
  /** A server-to-client request (sampling, elicitation, roots) for the agent; resolves with the agent's response. */
  request(method: string, params: Record<string, unknown> | undefined, relatedTo?: JsonRpcId): Promise<JsonRpcResponse>;
  /** Which notifications this peer wants beyond those related to its requests. */
  wants(n: JsonRpcNotification): boolean;
}

export interface InitializeResult {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: { name: string; version: string; [k: string]: unknown };
  instructions?: string;
  [k: string]: unknown;
}

interface InFlight {
  peer: Peer | undefined;
  originalId: JsonRpcId | undefined;
  method: string;
  resolve: (r: JsonRpcResponse) => void;
  timer: NodeJS.Timeout | undefined;
  timeoutMs: number;
  progressToken: string | undefined;
  startedAt: number;
}

export interface UpstreamOptions {
  name: string;
  createLink: () => Link;
  timeoutMs: number;
  logger: Logger;
  /** Client identity and capabilities sent in initialize. */
  clientInfo: { name: string; version: string };
  capabilities: Record<string, unknown>;
  /** Takes injected secret values out of what goes to a peer (notifications). */
  redact?: (peer: Peer, n: JsonRpcNotification) => JsonRpcNotification;
  /** Called whenever the state changes (for /healthz and metrics). */
  onState?: (state: UpstreamState) => void;
}

export type UpstreamState = 'idle' | 'starting' | 'ready' | 'backoff' | 'closed';

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 30_000;
const INIT_TIMEOUT_MS = 60_000;

/**
 * One session-based MCP connection to an upstream server, shared by any number of peers.
 * It is started on demand, initialized by FlowLink, restarted with backoff when it dies,
 * and it multiplexes peers by rewriting request ids and progress tokens, then routes
 * what comes back (responses, progress, server-to-client requests) to the right peer.
 */
export class Upstream {
  readonly name: string;
  state: UpstreamState = 'idle';
  init: InitializeResult | undefined;
  lastError: string | undefined;
  restarts = 0;
  private link: Link | undefined;
  private starting: Promise<void> | undefined;
  private nextId = 1;
  private inflight = new Map<number, InFlight>();
  private progress = new Map<string, { peer: Peer; token: string | number; upstreamId: number; originalId: JsonRpcId | undefined }>();
  private peers = new Set<Peer>();
  private backoffMs = 0;
  private backoffUntil = 0;
  private readyAt = 0;

  constructor(private readonly opts: UpstreamOptions) {
    this.name = opts.name;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  attach(peer: Peer): void {
    this.peers.add(peer);
  }
  detach(peer: Peer): void {
    this.peers.delete(peer);
    for (const [id, f] of this.inflight) if (f.peer === peer) this.cancel(id, 'the agent session closed');
  }

  private setState(s: UpstreamState) {
    this.state = s;
    this.opts.onState?.(s);
  }

  /** Starts the server if needed and waits until it is initialized. */
  async ready(): Promise<InitializeResult> {
    if (this.state === 'closed') throw new FlowLinkError('shutting_down', `server "${this.name}" is shut down`);
    if (this.state === 'ready' && this.init) return this.init;
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    await this.starting;
    return this.init!;
  }

  private async start(): Promise<void> {
    const wait = this.backoffUntil - Date.now();
    if (wait > 0) {
      this.setState('backoff');
      await new Promise((r) => setTimeout(r, wait));
    }
    if (this.state === 'closed') throw new FlowLinkError('shutting_down', `server "${this.name}" is shut down`);
    this.setState('starting');
    const link = this.opts.createLink();
    this.link = link;
    try {
      await link.start({
        onmessage: (m) => this.onMessage(m),
        onclose: (reason) => this.onClose(link, reason),
        onstderr: (line) => this.opts.logger.debug({ server: this.name, stderr: line }, 'upstream stderr'),
      });
      const res = await this.rawRequest('initialize', {
        protocolVersion: UPSTREAM_PROTOCOL,
        capabilities: this.opts.capabilities,
        clientInfo: this.opts.clientInfo,
      }, INIT_TIMEOUT_MS);
      if ('error' in res) throw new Error(`initialize failed: ${res.error.message}`);
      const init = res.result as unknown as InitializeResult;
      if (!UPSTREAM_ACCEPTED.has(init.protocolVersion)) throw new Error(`server answered with protocol version ${init.protocolVersion}, which FlowLink does not speak upstream`);
      link.setProtocolVersion?.(init.protocolVersion);
      link.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      this.init = init;
      this.readyAt = Date.now();
      this.lastError = undefined;
      this.setState('ready');
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.lastError = msg;
      this.scheduleBackoff();
      await link.close().catch(() => {});
      if (this.link === link) this.link = undefined;
      if ((this.state as UpstreamState) !== 'closed') this.setState('backoff');
      throw new FlowLinkError('upstream_unavailable', `server "${this.name}" could not be started: ${msg}`);
    }
  }

  private scheduleBackoff() {
    this.backoffMs = this.backoffMs ? Math.min(this.backoffMs * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
    this.backoffUntil = Date.now() + this.backoffMs;
  }

  private onClose(link: Link, reason: string) {
    if (this.link !== link) return;
    this.link = undefined;
    const wasReady = this.state === 'ready';
    this.init = wasReady ? this.init : undefined;
    if (this.state === 'closed') return;
    if (wasReady) {
      this.restarts++;
      // A server that ran for a minute gets a fresh backoff; one that keeps crashing backs off further.
      if (Date.now() - this.readyAt > 60_000) this.backoffMs = 0;
      this.scheduleBackoff();
      this.lastError = reason;
      this.opts.logger.warn({ server: this.name, reason }, 'upstream server stopped; it will be restarted on the next request');
    }
    this.setState('backoff');
    const err = `server "${this.name}" stopped during the request (${reason})`;
    for (const [id, f] of this.inflight) {
      this.inflight.delete(id);
      if (f.timer) clearTimeout(f.timer);
      f.resolve(errorResponse(f.originalId ?? null, JsonRpcCode.UpstreamUnavailable, err));
    }
    this.progress.clear();
  }

  /** Sends a request on behalf of FlowLink itself (no peer); used for initialize and probes. */
  private rawRequest(method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<JsonRpcResponse> {
    return this.send({ method, params, peer: undefined, originalId: undefined, timeoutMs });
  }

  /**
   * Forwards one request for a peer. Always resolves: failures become JSON-RPC error
   * responses carrying the peer's original id, so the caller has one path to handle.
   */
  async request(peer: Peer | undefined, req: { id: JsonRpcId; method: string; params?: Record<string, unknown> | undefined }, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<JsonRpcResponse> {
    try {
      await this.ready();
    } catch (err) {
      const e = err instanceof FlowLinkError ? err : new FlowLinkError('upstream_unavailable', String(err));
      return errorResponse(req.id, e.rpc, e.message);
    }
    return this.send({ method: req.method, params: req.params, peer, originalId: req.id, timeoutMs: opts.timeoutMs ?? this.opts.timeoutMs, signal: opts.signal });
  }

  private send(a: { method: string; params: Record<string, unknown> | undefined; peer: Peer | undefined; originalId: JsonRpcId | undefined; timeoutMs: number; signal?: AbortSignal | undefined }): Promise<JsonRpcResponse> {
    const link = this.link;
    if (!link) return Promise.resolve(errorResponse(a.originalId ?? null, JsonRpcCode.UpstreamUnavailable, `server "${this.name}" is not running`));
    const id = this.nextId++;
    let params = a.params;
    let progressToken: string | undefined;
    const meta = params?._meta as Record<string, unknown> | undefined;
    if (a.peer && meta && meta.progressToken !== undefined) {
      // Progress tokens are per connection: give each a unique one upstream and map it back.
      progressToken = `fl-${id}`;
      this.progress.set(progressToken, { peer: a.peer, token: meta.progressToken as string | number, upstreamId: id, originalId: a.originalId });
      params = { ...params, _meta: { ...meta, progressToken } };
    }
    return new Promise<JsonRpcResponse>((resolve) => {
      const f: InFlight = { peer: a.peer, originalId: a.originalId, method: a.method, resolve, timer: undefined, timeoutMs: a.timeoutMs, progressToken, startedAt: Date.now() };
      this.inflight.set(id, f);
      this.armTimer(id, f);
      if (a.signal) {
        if (a.signal.aborted) return this.cancel(id, 'cancelled by the agent');
        a.signal.addEventListener('abort', () => this.cancel(id, 'cancelled by the agent'), { once: true });
      }
      const msg: JsonRpcRequest = { jsonrpc: '2.0', id, method: a.method };
      if (params !== undefined) msg.params = params;
      try {
        link.send(msg);
      } catch (err) {
        this.finish(id, errorResponse(a.originalId ?? null, JsonRpcCode.UpstreamUnavailable, `server "${this.name}" is not running`));
      }
    });
  }

  private armTimer(id: number, f: InFlight) {
    if (f.timer) clearTimeout(f.timer);
    f.timer = setTimeout(() => {
      this.sendCancelled(id, 'request timed out');
      this.finish(id, errorResponse(f.originalId ?? null, JsonRpcCode.RequestTimeout, `server "${this.name}" did not answer ${f.method} within ${Math.round(f.timeoutMs / 1000)} s`));
    }, f.timeoutMs);
    f.timer.unref?.();
  }

  private finish(id: number, res: JsonRpcResponse) {
    const f = this.inflight.get(id);
    if (!f) return;
    this.inflight.delete(id);
    if (f.timer) clearTimeout(f.timer);
    if (f.progressToken) this.progress.delete(f.progressToken);
    f.resolve(res);
  }

  private sendCancelled(id: number, reason: string) {
    try {
      this.link?.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } });
    } catch {
      /* link gone: nothing to cancel */
    }
  }

  /** Cancels an in-flight request upstream and answers the peer with a cancellation error. */
  cancel(upstreamId: number, reason: string) {
    const f = this.inflight.get(upstreamId);
    if (!f) return;
    this.sendCancelled(upstreamId, reason);
    this.finish(upstreamId, errorResponse(f.originalId ?? null, JsonRpcCode.RequestTimeout, `request cancelled: ${reason}`));
  }

  /** Cancels the request a peer knows by its own id (notifications/cancelled from the agent). */
  cancelByPeer(peer: Peer, originalId: JsonRpcId, reason: string) {
    for (const [id, f] of this.inflight) if (f.peer === peer && f.originalId === originalId) this.cancel(id, reason);
  }

  /** Forwards a notification from a peer (e.g. roots/list_changed); not for cancellations. */
  notify(n: JsonRpcNotification) {
    try {
      this.link?.send(n);
    } catch {
      /* dropped: the server is restarting */
    }
  }

  private onMessage(m: JsonRpcMessage) {
    if (isResponse(m)) {
      const id = typeof m.id === 'number' ? m.id : Number(m.id);
      const f = this.inflight.get(id);
      if (!f) return; // late answer to a cancelled or timed-out request
      this.finish(id, { ...m, id: f.originalId ?? null } as JsonRpcResponse);
      return;
    }
    if (isRequest(m)) return void this.onServerRequest(m);
    if (isNotification(m)) this.onNotification(m);
  }

  private onNotification(n: JsonRpcNotification) {
    if (n.method === 'notifications/progress') {
      const token = n.params?.progressToken;
      const p = typeof token === 'string' ? this.progress.get(token) : undefined;
      if (!p) return;
      const f = this.inflight.get(p.upstreamId);
      if (f) this.armTimer(p.upstreamId, f); // progress keeps a long call alive
      const out: JsonRpcNotification = { ...n, params: { ...n.params, progressToken: p.token } };
      p.peer.notify(this.opts.redact ? this.opts.redact(p.peer, out) : out, p.originalId);
      return;
    }
    if (n.method === 'notifications/cancelled') {
      return; // the server cancelling its own request to a peer: nothing to route in this version
    }
    for (const peer of this.peers) if (peer.wants(n)) peer.notify(this.opts.redact ? this.opts.redact(peer, n) : n);
  }

  /**
   * A server-to-client request (sampling, elicitation, roots, ping). It goes to the peer
   * with the most recent in-flight request on this connection, which is the one whose
   * tool call asked for it; with no such peer, FlowLink answers itself.
   */
  private async onServerRequest(req: JsonRpcRequest) {
    let reply: JsonRpcResponse;
    if (req.method === 'ping') {
      reply = { jsonrpc: '2.0', id: req.id, result: {} };
    } else {
      let target: InFlight | undefined;
      for (const f of this.inflight.values()) if (f.peer && (!target || f.startedAt >= target.startedAt)) target = f;
      if (!target?.peer) {
        reply = req.method === 'roots/list'
          ? { jsonrpc: '2.0', id: req.id, result: { roots: [] } }
          : errorResponse(req.id, JsonRpcCode.MethodNotFound, `${req.method} needs an agent session, and no agent request is in progress on server "${this.name}"`);
      } else {
        const r = await target.peer.request(req.method, req.params, target.originalId).catch((err: unknown) => errorResponse(req.id, JsonRpcCode.InternalError, err instanceof Error ? err.message : String(err)));
        reply = { ...r, id: req.id } as JsonRpcResponse;
      }
    }
    try {
      this.link?.send(reply);
    } catch {
      /* server gone */
    }
  }

  async close(): Promise<void> {
    this.setState('closed');
    const link = this.link;
    this.link = undefined;
    for (const [id, f] of this.inflight) {
      this.inflight.delete(id);
      if (f.timer) clearTimeout(f.timer);
      f.resolve(errorResponse(f.originalId ?? null, JsonRpcCode.ConnectionClosed, `server "${this.name}" is shutting down`));
    }
    await link?.close();
  }
}
