import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { safeEqual } from '../../src/lib/secure-compare.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from '../../src/notifiers/siem/webhook.ts';

/** A fake SIEM webhook receiver on 127.0.0.1: checks the HMAC signature, records events, can be taken down. */
export async function startFakeWebhook(secret: string) {
  const received: { id: string; seq: number; kind: string; org_id: string }[] = [];
  let down = false;
  let rejectedSignatures = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (down) return void res.writeHead(503).end();
      const ts = String(req.headers[TIMESTAMP_HEADER] ?? '');
      const sig = String(req.headers[SIGNATURE_HEADER] ?? '');
      if (!safeEqual(sig, webhookSignature(secret, ts, body))) {
        rejectedSignatures++;
        return void res.writeHead(401).end();
      }
      for (const e of (JSON.parse(body) as { events: typeof received }).events) received.push({ id: e.id, seq: e.seq, kind: e.kind, org_id: e.org_id });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get rejectedSignatures() {
      return rejectedSignatures;
    },
    setDown(v: boolean) {
      down = v;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
