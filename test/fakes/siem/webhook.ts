import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { safeEqual } from '../../../src/lib/secure-compare.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from '../../../src/siem/formats/webhook.ts';

export interface ReceivedEvent {
  id: string;
  seq: number;
  kind: string;
  org_id: string;
  raw: Record<string, unknown>;
}

/**
 * A fake SIEM webhook receiver on 127.0.0.1, checking what docs/siem.md tells receivers to
 * check: the HMAC-SHA256 signature over `timestamp.body` (constant-time), a timestamp within
 * five minutes, a JSON body with `events`. It records events (either format) and can answer
 * 503 (`setDown`) or refuse connections (`stop`/`restart`).
 */
export async function startFakeWebhook(secret: string) {
  const received: ReceivedEvent[] = [];
  let down = false;
  let rejectedSignatures = 0;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests++;
      if (down) return void res.writeHead(503).end();
      const ts = String(req.headers[TIMESTAMP_HEADER] ?? '');
      const sig = String(req.headers[SIGNATURE_HEADER] ?? '');
      if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300 || !safeEqual(sig, webhookSignature(secret, ts, body))) {
        rejectedSignatures++;
        return void res.writeHead(401).end();
      }
      const parsed = JSON.parse(body) as { source?: string; format?: string; events?: Record<string, unknown>[] };
      if (parsed.source !== 'flowlink' || !Array.isArray(parsed.events)) return void res.writeHead(400).end();
      for (const e of parsed.events) {
        if (parsed.format === 'ocsf') {
          const m = e.metadata as { uid: string; sequence: number; tenant_uid: string };
          const fl = (e.unmapped as { flowlink: { kind: string } }).flowlink;
          received.push({ id: m.uid, seq: m.sequence, kind: fl.kind, org_id: m.tenant_uid, raw: e });
        } else received.push({ id: String(e.id), seq: Number(e.seq), kind: String(e.kind), org_id: String(e.org_id), raw: e });
      }
      res.writeHead(204).end();
    });
  });
  let port = 0;
  const listen = () => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => ((port = (server.address() as AddressInfo).port), r())));
  await listen();
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get rejectedSignatures() {
      return rejectedSignatures;
    },
    get requests() {
      return requests;
    },
    setDown(v: boolean) {
      down = v;
    },
    /** Stops listening: connections are refused until `restart`. */
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
    restart: listen,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
