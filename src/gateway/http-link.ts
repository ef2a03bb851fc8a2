import { StreamableHTTPClientTransport, SSEClientTransport } from '@modelcontextprotocol/client';
import type { Link, LinkEvents } from './stdio-link.ts';
import { errorResponse, type JsonRpcMessage } from './jsonrpc.ts';
import { JsonRpcCode } from '../lib/errors.ts';

type SdkTransport = StreamableHTTPClientTransport | SSEClientTransport;

/**
 * A link to an HTTP upstream through the SDK's client transports (Streamable HTTP, or
 * the legacy HTTP+SSE one), which handle SSE parsing, session ids and resumption.
 * A request that fails at the HTTP level comes back as a JSON-RPC error response, so
 * the upstream's routing sees one kind of failure.
 */
export function createHttpLink(opts: { url: string; headers: Record<string, string>; transport: 'streamable-http' | 'sse' }): Link & { setProtocolVersion(v: string): void } {
  let t: SdkTransport | undefined;
  let ev: LinkEvents | undefined;
  let closed = false;
  return {
    pid: undefined,
    async start(events) {
      ev = events;
      const requestInit = { headers: opts.headers };
      t = opts.transport === 'sse' ? new SSEClientTransport(new URL(opts.url), { requestInit }) : new StreamableHTTPClientTransport(new URL(opts.url), { requestInit });
      t.onmessage = (m) => events.onmessage(m as unknown as JsonRpcMessage);
      t.onclose = () => {
        if (!closed) events.onclose('connection closed');
      };
      t.onerror = (err) => events.onstderr?.(`transport error: ${err.message}`);
      await t.start();
    },
    setProtocolVersion(v) {
      if (t instanceof StreamableHTTPClientTransport) t.setProtocolVersion(v);
    },
    send(m) {
      if (!t) throw new Error('link not started');
      t.send(m as never).catch((err: Error) => {
        if ('id' in m && 'method' in m && m.id !== undefined) {
          ev?.onmessage(errorResponse(m.id, JsonRpcCode.UpstreamUnavailable, `HTTP request to the server failed: ${err.message}`));
        }
      });
    },
    async close() {
      closed = true;
      if (t instanceof StreamableHTTPClientTransport) await t.terminateSession().catch(() => {});
      await t?.close().catch(() => {});
    },
  };
}
