import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

/**
 * A local stand-in for HashiCorp Vault speaking the parts FlowLink uses: KV v2 reads
 * (`GET /v1/<mount>/data/<path>`), AppRole login (`POST /v1/auth/approle/login`), tokens
 * with a lease, the X-Vault-Namespace header, and sealed mode (every request gets 503,
 * as a sealed Vault answers).
 */
export interface FakeVault {
  url: string;
  /** Root token: may read everything. */
  rootToken: string;
  roleId: string;
  secretId: string;
  sealed: boolean;
  /** Namespace every request must carry (when set). */
  namespace: string | undefined;
  /** Lease of AppRole tokens, in seconds. */
  leaseSeconds: number;
  requests: { method: string; path: string; namespace: string | undefined }[];
  logins: number;
  put(path: string, data: Record<string, string>): void;
  /** Revokes every AppRole token issued so far (the next read gets 403). */
  revokeIssued(): void;
  close(): Promise<void>;
}

export async function startFakeVault(opts: { namespace?: string } = {}): Promise<FakeVault> {
  const kv = new Map<string, Record<string, string>>();
  const tokens = new Map<string, number>();
  const state = {
    rootToken: `hvs.root${randomBytes(8).toString('hex')}`,
    roleId: `role-${randomBytes(4).toString('hex')}`,
    secretId: `sid-${randomBytes(8).toString('hex')}`,
  };
  const body = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString()));
    req.on('end', () => resolve(s));
  });
  const fake: FakeVault = {
    url: '',
    ...state,
    sealed: false,
    namespace: opts.namespace,
    leaseSeconds: 3600,
    requests: [],
    logins: 0,
    put(path, data) {
      kv.set(path, data);
    },
    revokeIssued() {
      tokens.clear();
    },
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const ns = req.headers['x-vault-namespace'] as string | undefined;
    fake.requests.push({ method: req.method ?? '', path: url.pathname, namespace: ns });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const text = await body(req);
    if (fake.sealed) return send(503, { errors: ['Vault is sealed'] });
    if (fake.namespace && ns !== fake.namespace) return send(403, { errors: ['permission denied'] });
    if (req.method === 'POST' && url.pathname === '/v1/auth/approle/login') {
      const b = JSON.parse(text || '{}') as { role_id?: string; secret_id?: string };
      if (b.role_id !== fake.roleId || b.secret_id !== fake.secretId) return send(400, { errors: ['invalid role or secret ID'] });
      fake.logins++;
      const t = `hvs.${randomBytes(12).toString('hex')}`;
      tokens.set(t, Date.now() + fake.leaseSeconds * 1000);
      return send(200, { auth: { client_token: t, lease_duration: fake.leaseSeconds, renewable: true, policies: ['default', 'flowlink'] } });
    }
    const m = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const tok = req.headers['x-vault-token'] as string | undefined;
      const live = tok === fake.rootToken || (tok !== undefined && (tokens.get(tok) ?? 0) > Date.now());
      if (!live) return send(403, { errors: ['permission denied'] });
      const data = kv.get(`${m[1]}/data/${m[2]}`);
      if (!data) return send(404, { errors: [] });
      return send(200, { request_id: 'r', lease_duration: 0, data: { data, metadata: { version: 1, created_time: new Date().toISOString(), destroyed: false } } });
    }
    send(404, { errors: [] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return fake;
}
