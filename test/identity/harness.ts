import Fastify, { type FastifyInstance } from 'fastify';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createAgentService, type AgentService } from '../../src/identity/agents.service.ts';
import { registerIdentityApi } from '../../src/http/identity.routes.ts';
import { createArgon2Hasher, type PasswordHasher } from '../../src/identity/passwords.ts';
import type { Mailer, MailMessage } from '../../src/identity/mailer.ts';
import type { AccountService } from '../../src/identity/accounts.service.ts';
import type { OrgService } from '../../src/identity/orgs.service.ts';
import { PG_URL } from '../helpers/flowlink.ts';
import type { OAuthProvider } from '../../src/identity/oauth/provider.ts';
import type { AuditEventInput } from '../../src/audit/audit.writer.ts';

/** Both stores: every identity suite runs on PGlite and on PostgreSQL (a private schema per run). */
export const backends: [string, () => Promise<Store>][] = [
  ['pglite', () => openStore({ data: 'memory://' })],
  [
    'postgres',
    async () => {
      const schema = `ti_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
      const admin = await openStore({ url: PG_URL, data: '' }).catch((err) => {
        throw new Error(`PostgreSQL is required for this test at ${PG_URL}: ${(err as Error).message}`);
      });
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.close();
      return openStore({ url: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`, data: '' });
    },
  ],
];

export interface Api {
  app: FastifyInstance;
  store: Store;
  agents: AgentService;
  accounts: AccountService;
  orgs: OrgService;
  outbox: MailMessage[];
  hashes: { hash: number; verify: number };
  routes: { method: string; url: string }[];
  close(): Promise<void>;
}

/**
 * The API as app.ts will mount it: a Fastify app that (like the MCP edge) parses every
 * body as a string, with the identity API registered on top. Routes are collected from
 * Fastify's own onRoute hook, so a suite that walks them cannot miss a new one.
 */
export async function startApi(store: Store, opts: { clock?: () => number; signup?: 'open' | 'closed'; secureCookies?: 'auto' | boolean; oauthProviders?: OAuthProvider[]; audit?: { append(e: AuditEventInput): Promise<number> } } = {}): Promise<Api> {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
  });
  const agents = createAgentService({ store });
  await agents.start();
  const outbox: MailMessage[] = [];
  const mailer: Mailer = { send: async (m) => void outbox.push(m) };
  const real = createArgon2Hasher();
  const hashes = { hash: 0, verify: 0 };
  const hasher: PasswordHasher = {
    hash: (p) => (hashes.hash++, real.hash(p)),
    verify: (h, p) => (hashes.verify++, real.verify(h, p)),
  };
  const { accounts, orgs } = registerIdentityApi(app, { store, agents, logger: silentLogger, publicUrl: 'http://console.test', mailer, hasher, ...opts });
  await app.ready();
  return { app, store, agents, accounts, orgs, outbox, hashes, routes, close: async () => { await app.close(); await agents.stop(); } };
}

export interface Res {
  status: number;
  body: any;
  cookies: { name: string; value: string }[];
  headers: Record<string, unknown>;
}

/** A browser-like client: keeps cookies and sends the CSRF token header as the console does. */
export class Browser {
  jar = new Map<string, string>();
  constructor(readonly api: Api, readonly ip = '10.0.0.1') {}

  get csrf() {
    return this.jar.get('fl_csrf');
  }

  /** `body` goes as JSON, or as a urlencoded form when `opts.form` is set (the `$CSRF` value becomes this browser's CSRF token). */
  async req(method: string, url: string, body?: unknown, opts: { headers?: Record<string, string>; csrf?: boolean; form?: boolean } = {}): Promise<Res> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET' && opts.csrf !== false && this.csrf) headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = opts.form ? 'application/x-www-form-urlencoded' : 'application/json';
    const payload = body === undefined ? undefined : opts.form ? new URLSearchParams(Object.entries(body as Record<string, string>).map(([k, v]): [string, string] => [k, v === '$CSRF' ? (this.csrf ?? '') : v])).toString() : JSON.stringify(body);
    const r = await this.api.app.inject({ method: method as 'GET', url, headers, remoteAddress: this.ip, ...(payload !== undefined ? { payload } : {}) });
    for (const c of r.cookies as { name: string; value: string; expires?: Date }[]) {
      if (!c.value || (c.expires && c.expires.getTime() < Date.now())) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    return { status: r.statusCode, body: r.body ? safeJson(r.body) : undefined, cookies: r.cookies as { name: string; value: string }[], headers: r.headers };
  }
}

function safeJson(s: string) {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export const PASSWORD = 'correct horse battery staple';
let n = 0;
export const uniqueEmail = (tag = 'u') => `${tag}${Date.now().toString(36)}${n++}@example.test`;

export async function signUp(api: Api, email = uniqueEmail(), ip?: string): Promise<Browser> {
  const b = new Browser(api, ip);
  const r = await b.req('POST', '/api/v1/auth/sign-up', { email, password: PASSWORD, name: 'Test' });
  if (r.status !== 201) throw new Error(`sign-up failed: ${r.status} ${JSON.stringify(r.body)}`);
  return b;
}

export async function waitFor<T>(fn: () => T | undefined, ms = 2000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
