import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { envelopeProblem, errorResponse, isNotification, isRequest, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.ts';
import type { Target } from './router.ts';
import type { Registry } from './registry.ts';
import type { SessionStore } from './session.ts';
import type { LegacyService } from './mcp-service.ts';
import type { ModernService } from './modern-service.ts';
import { HttpSessionOutput } from './http-output.ts';
import { ResponseChannel, SseWriter } from './sse.ts';
import { claimsModern, MODERN_VERSIONS } from './era.ts';
import type { Authenticated, AuthTarget } from './auth.ts';
import { toFlowLinkError } from '../lib/errors.ts';
import { scopeAllows, serverAllowed } from '../identity/scopes.ts';

export interface HttpEdgeDeps {
  registry: Registry;
  sessions: SessionStore;
  legacy: LegacyService;
  modern: ModernService;
  authenticate: (headers: FastifyRequest['headers'], remote: string | undefined, target?: AuthTarget) => Promise<Authenticated>;
  checkHost: (headers: FastifyRequest['headers']) => string | undefined;
  resourceMetadataUrl: (req: FastifyRequest) => string;
  /** The WWW-Authenticate value for a 401 (no or bad token) or a 403 insufficient_scope (needs `scope`). */
  challenge?: (req: FastifyRequest, error: 'invalid_token' | 'insufficient_scope', scope?: string) => string;
  isShuttingDown: () => boolean;
}

const SESSION_HEADER = 'mcp-session-id';

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function rpcError(res: ServerResponse, status: number, code: number, message: string, data?: unknown, headers?: Record<string, string>) {
  sendJson(res, status, errorResponse(null, code, message, data), headers);
}

/**
 * The Streamable HTTP edge for /mcp (aggregate) and /mcp/<server>: classifies each POST
 * as session-based (2025) or stateless (2026-07-28), authenticates it, and hands it to
 * the matching service. Everything is answered on the raw response so that a relayed
 * call costs one JSON.parse and one JSON.stringify.
 */
export function registerMcpHttp(app: FastifyInstance, deps: HttpEdgeDeps) {
  const { sessions, legacy, modern, registry } = deps;

  async function gate(req: FastifyRequest, reply: FastifyReply): Promise<{ auth: Authenticated; target: Target } | undefined> {
    reply.hijack();
    const res = reply.raw;
    const hostProblem = deps.checkHost(req.headers);
    if (hostProblem) {
      rpcError(res, 403, -32000, `Forbidden: ${hostProblem}`);
      return undefined;
    }
    if (deps.isShuttingDown()) {
      rpcError(res, 503, -32002, 'FlowLink is shutting down', undefined, { 'retry-after': '1' });
      return undefined;
    }
    const server = (req.params as { server?: string }).server;
    if (server !== undefined && !registry.has(server)) {
      rpcError(res, 404, -32602, `no server named "${server}" is configured; see GET /healthz for the list`);
      return undefined;
    }
    try {
      const auth = await deps.authenticate(req.headers, req.socket.remoteAddress, { server });
      // OAuth tokens outside their scope get the step-up challenge (MCP authorization, insufficient_scope).
      if (auth.stepUp && server !== undefined && auth.identity.scopes && !serverAllowed(auth.identity.scopes, server)) {
        rpcError(res, 403, -32010, `Forbidden: the access token's scopes do not include server "${server}"`, undefined, deps.challenge ? { 'www-authenticate': deps.challenge(req, 'insufficient_scope', `mcp:${server}`) } : {});
        return undefined;
      }
      return { auth, target: server === undefined ? { kind: 'aggregate' } : { kind: 'single', server } };
    } catch (err) {
      const e = toFlowLinkError(err);
      const challenge = deps.challenge ? deps.challenge(req, 'invalid_token') : `Bearer realm="flowlink", error="invalid_token", resource_metadata="${deps.resourceMetadataUrl(req)}"`;
      rpcError(res, e.http, e.rpc, e.message, undefined, e.code === 'unauthorized' ? { 'www-authenticate': challenge } : {});
      return undefined;
    }
  }

  /** Step-up for a tools/call outside an OAuth token's scopes: 403 naming the scope that would allow it. */
  function outsideScope(req: FastifyRequest, res: ServerResponse, auth: Authenticated, target: Target, msg: JsonRpcMessage): boolean {
    if (!auth.stepUp || !auth.identity.scopes || !('method' in msg) || msg.method !== 'tools/call') return false;
    const name = String((msg.params as { name?: unknown } | undefined)?.name ?? '');
    const i = name.indexOf('__');
    const [server, tool] = target.kind === 'single' ? [target.server, name] : i > 0 ? [name.slice(0, i), name.slice(i + 2)] : [undefined, name];
    if (!server || scopeAllows(auth.identity.scopes, server, tool)) return false;
    rpcError(res, 403, -32010, `Forbidden: the access token's scopes do not include tool "${tool}" on server "${server}"`, undefined, deps.challenge ? { 'www-authenticate': deps.challenge(req, 'insufficient_scope', `mcp:${server}/${tool}`) } : {});
    return true;
  }

  function sessionFor(req: FastifyRequest, res: ServerResponse, auth: Authenticated) {
    const id = req.headers[SESSION_HEADER];
    if (typeof id !== 'string' || !id) {
      rpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required (send initialize first)');
      return undefined;
    }
    const s = sessions.get(id);
    // Another agent's session id is answered exactly like an unknown one.
    if (!s || s.identity.agentId !== auth.identity.agentId) {
      rpcError(res, 404, -32001, 'Session not found: it expired or was closed; send initialize again');
      return undefined;
    }
    return s;
  }

  async function post(req: FastifyRequest, reply: FastifyReply) {
    const g = await gate(req, reply);
    if (!g) return;
    const res = reply.raw;
    const ctype = String(req.headers['content-type'] ?? '');
    if (!ctype.toLowerCase().startsWith('application/json')) return rpcError(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    let body: unknown;
    try {
      body = JSON.parse(req.body as string);
    } catch (err) {
      return rpcError(res, 400, -32700, `Parse error: the body is not valid JSON (${(err as Error).message})`);
    }
    if (Array.isArray(body)) return batch(req, res, g.auth, body);
    const problem = envelopeProblem(body);
    if (problem) {
      const id = (body as { id?: unknown } | null)?.id;
      return sendJson(res, 400, errorResponse(typeof id === 'string' || typeof id === 'number' ? id : null, -32600, `Invalid Request: ${problem}`));
    }
    const msg = body as JsonRpcMessage;
    if (outsideScope(req, res, g.auth, g.target, msg)) return;
    const headerVersion = req.headers['mcp-protocol-version'];
    if ('method' in msg && (claimsModern(msg) || (isNotification(msg) && typeof headerVersion === 'string' && MODERN_VERSIONS.includes(headerVersion)))) {
      if (isNotification(msg)) return void res.writeHead(202).end();
      return modern.handle({ auth: g.auth, target: g.target, req: msg as JsonRpcRequest, headers: req.headers, res });
    }
    if (typeof headerVersion === 'string' && MODERN_VERSIONS.includes(headerVersion) && isRequest(msg) && msg.method !== 'initialize') {
      return rpcError(res, 400, -32602, 'Invalid params: the request is missing the required per-request envelope key(s): _meta');
    }
    if (isRequest(msg) && msg.method === 'initialize') {
      const { session, response } = await legacy.initialize(g.auth, g.target, msg);
      if ('error' in response) return sendJson(res, 200, response);
      session.output = new HttpSessionOutput();
      return sendJson(res, 200, response, { [SESSION_HEADER]: session.id });
    }
    const session = sessionFor(req, res, g.auth);
    if (!session) return;
    if (!isRequest(msg)) {
      legacy.inbound(session, msg);
      res.writeHead(202, { [SESSION_HEADER]: session.id }).end();
      return;
    }
    const out = session.output as HttpSessionOutput;
    const channel = new ResponseChannel(res, { [SESSION_HEADER]: session.id });
    out.channels.set(msg.id, channel);
    try {
      const response = await legacy.request(session, msg);
      channel.finish(response);
    } finally {
      out.channels.delete(msg.id);
    }
  }

  /** JSON-RPC batches (2025-03-26): every request answered, in one JSON array. */
  async function batch(req: FastifyRequest, res: ServerResponse, auth: Authenticated, items: unknown[]) {
    if (items.length === 0) return rpcError(res, 400, -32600, 'Invalid Request: empty batch');
    if (items.some((m) => envelopeProblem(m) !== undefined || claimsModern(m as JsonRpcRequest) || (m as JsonRpcRequest).method === 'initialize')) {
      return rpcError(res, 400, -32600, 'Invalid Request: a batch may hold only valid session-based messages, and not initialize');
    }
    const session = sessionFor(req, res, auth);
    if (!session) return;
    const responses: JsonRpcResponse[] = await Promise.all(
      (items as JsonRpcMessage[]).map(async (m) => {
        if (isRequest(m)) return legacy.request(session, m);
        legacy.inbound(session, m);
        return undefined as unknown as JsonRpcResponse;
      }),
    );
    const out = responses.filter(Boolean);
    if (out.length === 0) return void res.writeHead(202, { [SESSION_HEADER]: session.id }).end();
    sendJson(res, 200, out, { [SESSION_HEADER]: session.id });
  }

  async function get(req: FastifyRequest, reply: FastifyReply) {
    const g = await gate(req, reply);
    if (!g) return;
    const res = reply.raw;
    if (!req.headers[SESSION_HEADER]) return rpcError(res, 405, -32000, 'Method not allowed: GET opens the stream of a session; stateless clients use subscriptions/listen', undefined, { allow: 'POST' });
    const accept = String(req.headers.accept ?? '');
    if (!accept.includes('text/event-stream')) return rpcError(res, 406, -32000, 'Not Acceptable: GET needs Accept: text/event-stream');
    const session = sessionFor(req, res, g.auth);
    if (!session) return;
    const out = session.output as HttpSessionOutput;
    if (out.hasStandalone) return rpcError(res, 409, -32000, 'Conflict: this session already has an open GET stream');
    const w = new SseWriter(res, { [SESSION_HEADER]: session.id }, { keepaliveMs: 15_000 });
    const last = req.headers['last-event-id'];
    out.attach(w, typeof last === 'string' ? last : undefined);
    session.touch();
  }

  async function del(req: FastifyRequest, reply: FastifyReply) {
    const g = await gate(req, reply);
    if (!g) return;
    const res = reply.raw;
    if (!req.headers[SESSION_HEADER]) return rpcError(res, 405, -32000, 'Method not allowed: DELETE ends a session and needs Mcp-Session-Id', undefined, { allow: 'POST' });
    const session = sessionFor(req, res, g.auth);
    if (!session) return;
    sessions.remove(session.id);
    res.writeHead(200).end();
  }

  for (const url of ['/mcp', '/mcp/:server']) {
    app.post(url, post);
    app.get(url, get);
    app.delete(url, del);
  }
}

