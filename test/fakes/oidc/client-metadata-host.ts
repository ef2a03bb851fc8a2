import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

/**
 * An HTTPS host for OAuth client ID metadata documents (the client_id is the document's
 * URL), with its own self-signed certificate for localhost and 127.0.0.1. Documents are
 * set per path; `fetches` counts requests per path.
 */
export class ClientMetadataHost {
  private server: Server | undefined;
  docs = new Map<string, { status?: number; body: string; type?: string }>();
  fetches = new Map<string, number>();
  cert = '';
  port = 0;

  async start(): Promise<this> {
    const pems = await generate([{ name: 'commonName', value: 'flowlink-test-client-host' }], {
      keySize: 2048,
      days: 2,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
      ],
    } as never);
    this.cert = pems.cert;
    this.server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      this.fetches.set(path, (this.fetches.get(path) ?? 0) + 1);
      const doc = this.docs.get(path);
      if (!doc) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"error":"not_found"}');
      }
      res.writeHead(doc.status ?? 200, { 'content-type': doc.type ?? 'application/json' });
      res.end(doc.body);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The client_id URL for a path, on host `localhost` (what a real client would publish). */
  url(path: string, host = 'localhost'): string {
    return `https://${host}:${this.port}${path}`;
  }

  /** Serves a well-formed document whose client_id is its own URL. */
  serve(path: string, meta: Record<string, unknown>, host = 'localhost'): string {
    const url = this.url(path, host);
    this.docs.set(path, { body: JSON.stringify({ client_id: url, ...meta }) });
    return url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
