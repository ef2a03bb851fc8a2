import { createHash, randomBytes } from 'node:crypto';
import type { OAuthClientProvider, OAuthClientMetadata, OAuthDiscoveryState } from '@modelcontextprotocol/client';
import { startFlowLink, servers, type Running } from '../helpers/flowlink.ts';

export const PASSWORD = 'correct horse battery staple';
let n = 0;
export const uniqueEmail = (tag = 'u') => `${tag}${Date.now().toString(36)}${n++}@example.test`;

/** A browser over real HTTP: keeps cookies, never follows redirects (the test reads Location). */
export class WebUser {
  jar = new Map<string, string>();
  constructor(readonly base: string) {}

  async fetch(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(new URL(url, this.base), { method: init.method ?? 'GET', headers, redirect: 'manual', ...(init.body !== undefined ? { body: init.body } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  async json(method: string, path: string, body?: unknown) {
    const res = await this.fetch(path, { method, headers: { 'content-type': 'application/json', ...(this.jar.get('fl_csrf') && method !== 'GET' ? { 'x-csrf-token': this.jar.get('fl_csrf')! } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async signUp(email = uniqueEmail()) {
    const r = await this.json('POST', '/api/v1/auth/sign-up', { email, password: PASSWORD, name: 'Tester' });
    if (r.status !== 201) throw new Error(`sign-up failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Opens the authorization URL (consent page) and returns its form fields. */
  async openConsent(authorizationUrl: string | URL, lang = 'en') {
    const res = await this.fetch(String(authorizationUrl), { headers: { 'accept-language': lang } });
    const html = await res.text();
    const fields: Record<string, string> = {};
    for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unesc(m[1]!)] = unesc(m[2]!);
    return { status: res.status, html, fields, location: res.headers.get('location') ?? undefined, headers: res.headers };
  }

  async submitConsent(fields: Record<string, string>, decision: 'approve' | 'deny', extra: Record<string, string> = {}) {
    const res = await this.fetch('/oauth/authorize', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(this.base).origin }, body: new URLSearchParams({ ...fields, decision, ...extra }).toString() });
    return { status: res.status, location: res.headers.get('location') ?? undefined, html: await res.text() };
  }

  /** Consent in one go: open, approve, return the redirect (with code, state, iss). */
  async approve(authorizationUrl: string | URL): Promise<URL> {
    const page = await this.openConsent(authorizationUrl);
    if (page.status !== 200) throw new Error(`consent page: ${page.status} ${page.location ?? /<p>(.*?)<\/p>/.exec(page.html)?.[1] ?? page.html.slice(0, 300)}`);
    const r = await this.submitConsent(page.fields, 'approve');
    if (r.status !== 302 || !r.location) throw new Error(`consent answer: ${r.status} ${r.html.slice(0, 300)}`);
    return new URL(r.location);
  }
}

function unesc(s: string): string {
  return s.replace(/&#(\d+);/g, (_m, c) => String.fromCharCode(Number(c)));
}

export const REDIRECT = 'http://127.0.0.1:33418/callback';

/** The SDK's OAuth client provider, kept in memory; the redirect is captured for the test's browser. */
export class TestProvider implements OAuthClientProvider {
  info: any;
  saved: any;
  verifier = '';
  discovery: OAuthDiscoveryState | undefined;
  authorizationUrl: URL | undefined;
  redirects = 0;
  clientMetadataUrl?: string;
  constructor(readonly meta: Partial<OAuthClientMetadata> = {}, opts: { clientMetadataUrl?: string } = {}) {
    if (opts.clientMetadataUrl) this.clientMetadataUrl = opts.clientMetadataUrl;
  }
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'Test IDE', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', ...this.meta } as OAuthClientMetadata;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(i: unknown) {
    this.info = i;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(t: unknown) {
    this.saved = t;
  }
  redirectToAuthorization(u: URL) {
    this.authorizationUrl = u;
    this.redirects++;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(s: OAuthDiscoveryState) {
    this.discovery = s;
  }
  discoveryState() {
    return this.discovery;
  }
}

/** Shield stays on; its analysis budget is widened because this machine's cores are shared (a timeout fails closed). */
export const SHIELD = { enabled: true, timeoutMs: 2000 };

/** A FlowLink with two servers and a signed-in first user (owner of the default org). */
export async function boot(overrides: Record<string, unknown> = {}, opts: { postgres?: boolean } = {}): Promise<Running & { user: WebUser }> {
  const r = await startFlowLink({ servers: { everything: servers.everything, memory: servers.memory }, identity: { signup: 'open' }, shield: SHIELD, ...overrides }, opts);
  const user = new WebUser(r.url);
  await user.signUp();
  return { ...r, user };
}

/** PKCE pair (RFC 7636 S256). */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Registers a client (RFC 7591) with one loopback redirect URI. */
export async function registerClient(base: string, name = 'Manual Client', redirect = REDIRECT): Promise<string> {
  const res = await fetch(`${base}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: name, redirect_uris: [redirect], token_endpoint_auth_method: 'none' }) });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

export function authorizeUrl(base: string, p: { clientId: string; challenge: string; scope?: string; resource?: string; redirect?: string; state?: string }): string {
  const q = new URLSearchParams({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirect ?? REDIRECT, code_challenge: p.challenge, code_challenge_method: 'S256', state: p.state ?? 'st-1', resource: p.resource ?? `${base}/mcp` });
  if (p.scope) q.set('scope', p.scope);
  return `${base}/oauth/authorize?${q}`;
}

export async function tokenRequest(base: string, form: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** The whole flow by hand (no SDK): register, consent, code. */
export async function authorizeByHand(r: { url: string; user: WebUser }, opts: { scope?: string; resource?: string; clientId?: string } = {}) {
  const clientId = opts.clientId ?? (await registerClient(r.url));
  const { verifier, challenge } = pkce();
  const cb = await r.user.approve(authorizeUrl(r.url, { clientId, challenge, ...opts }));
  const code = cb.searchParams.get('code');
  if (!code) throw new Error(`no code: ${cb}`);
  return { clientId, verifier, code };
}

export async function tokensByHand(r: { url: string; user: WebUser }, opts: { scope?: string; resource?: string } = {}) {
  const a = await authorizeByHand(r, opts);
  const t = await tokenRequest(r.url, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: REDIRECT, client_id: a.clientId, ...(opts.resource ? { resource: opts.resource } : {}) });
  if (t.status !== 200) throw new Error(`token: ${t.status} ${JSON.stringify(t.body)}`);
  return { ...a, access: t.body.access_token as string, refresh: t.body.refresh_token as string, body: t.body };
}

/** A raw JSON-RPC POST to an MCP endpoint (initialize, or a request within a session). */
export async function mcpPost(url: string, token: string | undefined, body: unknown, session?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const m = /^data: (.*)$/m.exec(text);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(m ? m[1]! : text) : undefined };
}

export const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
