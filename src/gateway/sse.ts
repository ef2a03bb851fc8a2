import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from './jsonrpc.ts';

/** Writes Server-Sent Events carrying JSON-RPC messages; optional event ids for resumability. */
export class SseWriter {
  closed = false;
  private keepalive: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string> = {},
    opts: { keepaliveMs?: number } = {},
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      ...headers,
    });
    res.flushHeaders();
    res.on('close', () => this.stop());
    if (opts.keepaliveMs) {
      this.keepalive = setInterval(() => this.comment('keepalive'), opts.keepaliveMs);
      this.keepalive.unref();
    }
  }

  send(m: JsonRpcMessage, id?: string): void {
    if (this.closed) return;
    this.res.write(`${id ? `id: ${id}\n` : ''}event: message\ndata: ${JSON.stringify(m)}\n\n`);
  }

  comment(text: string): void {
    if (!this.closed) this.res.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.stop();
    this.res.end();
  }

  private stop() {
    this.closed = true;
    if (this.keepalive) clearInterval(this.keepalive);
  }
}

/**
 * The answer to one POSTed request: plain JSON when nothing else needs to go out first,
 * upgraded to an SSE stream the moment a related message (progress, a log line, a
 * server-to-client request) must reach the agent before the result.
 */
export class ResponseChannel {
  private sse: SseWriter | undefined;
  done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
  ) {}

  get open(): boolean {
    return !this.done && !this.res.destroyed;
  }

  /** Answers as an SSE stream from the start (for clients that accept one, as several concurrent streams expect). */
  stream(): void {
    if (this.open) this.sse ??= new SseWriter(this.res, this.headers);
  }

  push(m: JsonRpcMessage): void {
    if (!this.open) return;
    this.sse ??= new SseWriter(this.res, this.headers);
    this.sse.send(m);
  }

  finish(body: unknown, status = 200): void {
    if (this.done) return;
    this.done = true;
    if (this.res.destroyed) return;
    if (this.sse) {
      this.sse.send(body as JsonRpcMessage);
      this.sse.end();
      return;
    }
    const text = JSON.stringify(body);
    this.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...this.headers });
    this.res.end(text);
  }
}
