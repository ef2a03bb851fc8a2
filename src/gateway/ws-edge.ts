import type { FastifyInstance, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { envelopeProblem, errorResponse, isRequest, type JsonRpcId, type JsonRpcMessage } from './jsonrpc.ts';
import type { LegacyService } from './mcp-service.ts';
import type { SessionStore, AgentSession, SessionOutput } from './session.ts';
import type { Registry } from './registry.ts';
import type { Authenticated } from './auth.ts';
import { toFlowLinkError } from '../lib/errors.ts';

/** Everything goes over the one socket, related or not. */
class WsOutput implements SessionOutput {
  constructor(private readonly ws: WebSocket) {}
  sendRelated(_id: JsonRpcId, m: JsonRpcMessage): boolean {
    this.sendUnrelated(m);
    return true;
  }
  sendUnrelated(m: JsonRpcMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(m));
  }
}

/**
 * MCP over WebSocket (subprotocol "mcp") at /ws/mcp and /ws/mcp/<server>. One socket is
 * one session of the session-based era: initialize first, then any traffic both ways.
 * The bearer token is checked at the upgrade; revocation is re-checked on every call.
 */
export async function registerMcpWebSocket(
  app: FastifyInstance,
  deps: {
    legacy: LegacyService;
    sessions: SessionStore;
    registry: Registry;
    authenticate: (headers: FastifyRequest['headers'], remote: string | undefined) => Promise<Authenticated>;
    checkHost: (headers: FastifyRequest['headers']) => string | undefined;
    maxBytes: number;
    onSessions: () => void;
  },
) {
  await app.register(websocket, {
    options: {
      maxPayload: deps.maxBytes,
      handleProtocols: (protocols: Set<string>) => (protocols.has('mcp') ? 'mcp' : false),
    },
  });

  const handler = async (socket: WebSocket, req: FastifyRequest) => {
    const hostProblem = deps.checkHost(req.headers);
    if (hostProblem) return socket.close(1008, hostProblem.slice(0, 120));
    const server = (req.params as { server?: string }).server;
    if (server !== undefined && !deps.registry.has(server)) return socket.close(1008, `no server named "${server}"`.slice(0, 120));
    let auth: Authenticated;
    try {
      auth = await deps.authenticate(req.headers, req.socket.remoteAddress);
    } catch (err) {
      return socket.close(1008, toFlowLinkError(err).message.slice(0, 120));
    }
    let session: AgentSession | undefined;
    const send = (m: unknown) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(m));

    socket.on('message', async (data: Buffer, isBinary: boolean) => {
      if (isBinary) return send(errorResponse(null, -32600, 'Invalid Request: binary frames are not MCP messages'));
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString('utf8'));
      } catch (err) {
        return send(errorResponse(null, -32700, `Parse error: ${(err as Error).message}`));
      }
      const problem = envelopeProblem(msg);
      if (problem) return send(errorResponse(null, -32600, `Invalid Request: ${problem}`));
      const m = msg as JsonRpcMessage;
      if (!session) {
        if (!isRequest(m) || m.method !== 'initialize') return send(errorResponse(isRequest(m) ? m.id : null, -32600, 'Invalid Request: send initialize first'));
        const r = await deps.legacy.initialize(auth, server === undefined ? { kind: 'aggregate' } : { kind: 'single', server }, m);
        if (!('error' in r.response)) {
          session = r.session;
          session.output = new WsOutput(socket);
          deps.onSessions();
        }
        return send(r.response);
      }
      if (isRequest(m)) send(await deps.legacy.request(session, m));
      else deps.legacy.inbound(session, m);
    });
    socket.on('close', () => {
      if (session) deps.sessions.remove(session.id);
      deps.onSessions();
    });
  };

  app.get('/ws/mcp', { websocket: true }, handler);
  app.get('/ws/mcp/:server', { websocket: true }, handler);
}
