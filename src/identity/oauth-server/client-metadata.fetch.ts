import { request } from 'node:https';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from './ssrf.ts';

export interface MetadataFetchOptions {
  /** Refuse documents larger than this (the CIMD draft suggests 5 kB). */
  maxBytes: number;
  timeoutMs: number;
  /** Only for tests and closed networks: allow loopback and private addresses. */
  allowPrivateAddresses: boolean;
  /** Extra trusted CA certificates (PEM), e.g. an internal CA. */
  ca?: string | undefined;
}

export type FetchResult = { ok: true; json: unknown } | { ok: false; message: string };

/** The one outside service of the authorization server: fetching a client's metadata document. */
export type ClientMetadataFetcher = (url: URL) => Promise<FetchResult>;

/**
 * GETs an HTTPS client ID metadata document. The address is checked after DNS resolution
 * and the connection goes to that same checked address (no second lookup an attacker's
 * DNS could answer differently); redirects are refused; size and time are bounded.
 */
export function createClientMetadataFetcher(opts: MetadataFetchOptions): ClientMetadataFetcher {
  // Every address the name resolves to must be public (else one private answer could be picked).
  const guardedLookup: LookupFunction = (hostname, options, cb) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      const list = addresses as unknown as { address: string; family: number }[];
      if (err) return cb(err, '', 0);
      if (!opts.allowPrivateAddresses && (list.length === 0 || list.some((a) => isPrivateAddress(a.address)))) {
        return cb(Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATE' }), '', 0);
      }
      if ((options as { all?: boolean }).all) return (cb as unknown as (e: null, a: typeof list) => void)(null, list);
      cb(null, list[0]!.address, list[0]!.family);
    });
  };
  return (url) =>
    new Promise<FetchResult>((resolve) => {
      if (url.protocol !== 'https:') return resolve({ ok: false, message: 'the client_id URL must use https' });
      // An IP literal skips the lookup hook, so it is checked here.
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(literal) && !opts.allowPrivateAddresses && isPrivateAddress(literal)) return resolve({ ok: false, message: 'the client_id URL points to a private or loopback address' });
      let settled = false;
      const done = (r: FetchResult) => {
        if (!settled) {
          settled = true;
          resolve(r);
        }
      };
      const req = request(url, { method: 'GET', headers: { accept: 'application/json' }, lookup: guardedLookup, agent: false, timeout: opts.timeoutMs, ...(opts.ca ? { ca: opts.ca } : {}) }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return done({ ok: false, message: `the client metadata document answered HTTP ${res.statusCode}${res.statusCode && res.statusCode >= 300 && res.statusCode < 400 ? ' (redirects are not followed)' : ''}` });
        }
        const ctype = String(res.headers['content-type'] ?? '');
        if (!/^application\/([a-z.+-]*\+)?json/i.test(ctype)) {
          res.resume();
          return done({ ok: false, message: `the client metadata document has content type "${ctype.slice(0, 60)}", not application/json` });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > opts.maxBytes) {
            req.destroy();
            done({ ok: false, message: `the client metadata document is larger than ${opts.maxBytes} bytes` });
          } else chunks.push(c);
        });
        res.on('end', () => {
          try {
            done({ ok: true, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch {
            done({ ok: false, message: 'the client metadata document is not valid JSON' });
          }
        });
        res.on('error', () => done({ ok: false, message: 'the client metadata document could not be read' }));
      });
      req.on('timeout', () => {
        req.destroy();
        done({ ok: false, message: `the client metadata document did not arrive within ${opts.timeoutMs} ms` });
      });
      req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, message: err.code === 'EPRIVATE' ? 'the client_id URL points to a private or loopback address' : `the client metadata document could not be fetched (${err.code ?? 'network error'})` }));
      req.end();
    });
}
