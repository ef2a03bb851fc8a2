import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertSignature, ALERT_SIGNATURE_HEADER, ALERT_TIMESTAMP_HEADER, type AuditAlert } from '../../src/audit/alert.ts';
import { safeEqual } from '../../src/lib/secure-compare.ts';

/**
 * A fake receiver for FlowLink's audit outage alerts: records each POST, checks the HMAC
 * signature (constant-time) when given the secret, and can be told to fail the next N.
 */
export async function startAlertReceiver(opts: { secret?: string } = {}) {
  const received: { alert: AuditAlert; signed: boolean }[] = [];
  let failNext = 0;
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json') return void res.writeHead(400).end();
      if (failNext > 0) return void (failNext--, res.writeHead(503).end());
      const ts = String(req.headers[ALERT_TIMESTAMP_HEADER] ?? '');
      const sig = String(req.headers[ALERT_SIGNATURE_HEADER] ?? '');
      const signed = opts.secret !== undefined && safeEqual(sig, alertSignature(opts.secret, ts, body));
      if (opts.secret !== undefined && !signed) return void res.writeHead(401).end();
      received.push({ alert: JSON.parse(body) as AuditAlert, signed });
      waiters.forEach((w) => w());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  return {
    url,
    received,
    failNext(n: number) {
      failNext = n;
    },
    /** Resolves once `n` alerts have arrived. */
    waitFor(n: number, ms = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (waiters.delete(check), reject(new Error(`expected ${n} alerts, got ${JSON.stringify(received)}`))), ms);
        const check = () => {
          if (received.length >= n) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
