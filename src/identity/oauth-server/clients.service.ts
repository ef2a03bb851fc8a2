import type { Store } from '../../store/store.ts';
import { randomId } from '../../lib/secure-compare.ts';
import { clientsRepo } from './oauth.repo.ts';
import type { ClientMetadataFetcher } from './client-metadata.fetch.ts';

/** A client as the authorization endpoint sees it, from either source. */
export interface OAuthClient {
  clientId: string;
  name: string;
  redirectUris: string[];
  /** 'metadata': the client_id is an HTTPS URL to its metadata document; 'registered': RFC 7591. */
  kind: 'metadata' | 'registered';
}

export type ClientResult = { ok: true; client: OAuthClient } | { ok: false; error: 'invalid_client' | 'invalid_client_metadata' | 'invalid_redirect_uri'; message: string };

const BLOCKED_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'about:', 'blob:', 'ftp:', 'ws:', 'wss:']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Redirect URIs clients may use: https, http to loopback only (native apps, RFC 8252), or a
 * private-use scheme (cursor://, vscode://). Never fragments, never script-capable schemes.
 */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 2000) return 'a redirect URI must be a string of 1-2000 characters';
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `redirect URI "${uri.slice(0, 100)}" is not an absolute URL`;
  }
  if (u.hash) return `redirect URI "${uri.slice(0, 100)}" must not have a fragment`;
  if (BLOCKED_SCHEMES.has(u.protocol)) return `redirect URI scheme ${u.protocol} is not allowed`;
  if (u.protocol === 'http:' && !LOOPBACK_HOSTS.has(u.hostname)) return `redirect URI "${uri.slice(0, 100)}" uses http with a host other than loopback; use https`;
  return undefined;
}

function clientName(v: unknown, fallback: string): string {
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, 100) : fallback;
}

export interface ClientsDeps {
  store: Store;
  fetchMetadata: ClientMetadataFetcher;
  cacheTtlMs: number;
  clock?: () => number;
}

/** Finds clients by id: registered ones in the store, URL ones by fetching (and caching) their document. */
export function createClientService(deps: ClientsDeps) {
  const now = deps.clock ?? Date.now;
  const cache = new Map<string, { result: ClientResult; until: number }>();

  function validateDocument(url: string, doc: unknown): ClientResult {
    const bad = (message: string): ClientResult => ({ ok: false, error: 'invalid_client_metadata', message });
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return bad('the client metadata document is not a JSON object');
    const d = doc as Record<string, unknown>;
    if (d.client_id !== url) return bad('the client metadata document\'s client_id does not equal the URL it was fetched from');
    const method = d.token_endpoint_auth_method ?? 'none';
    if (method !== 'none') return bad(`token_endpoint_auth_method "${String(method).slice(0, 40)}" is not supported: only public clients (none)`);
    if ('client_secret' in d || 'client_secret_expires_at' in d) return bad('a client metadata document must not carry a client secret');
    if (!Array.isArray(d.redirect_uris) || d.redirect_uris.length === 0 || d.redirect_uris.length > 20) return bad('redirect_uris must be a list of 1-20 URIs');
    for (const r of d.redirect_uris) {
      const p = redirectUriProblem(r);
      if (p) return bad(p);
    }
    return { ok: true, client: { clientId: url, name: clientName(d.client_name, new URL(url).host), redirectUris: d.redirect_uris as string[], kind: 'metadata' } };
  }

  async function fromUrl(clientId: string): Promise<ClientResult> {
    let url: URL;
    try {
      url = new URL(clientId);
    } catch {
      return { ok: false, error: 'invalid_client', message: 'the client_id is not a valid URL' };
    }
    if (url.protocol !== 'https:' || url.pathname === '/' || url.hash || url.username || url.password) return { ok: false, error: 'invalid_client', message: 'a URL client_id must be https, with a path, without fragment or credentials' };
    const hit = cache.get(clientId);
    if (hit && hit.until > now()) return hit.result;
    const fetched = await deps.fetchMetadata(url);
    const result: ClientResult = fetched.ok ? validateDocument(clientId, fetched.json) : { ok: false, error: 'invalid_client_metadata', message: fetched.message };
    // Failures are cached briefly too, so a client_id cannot be used to make FlowLink hammer a host.
    if (cache.size > 5000) cache.clear();
    cache.set(clientId, { result, until: now() + (result.ok ? deps.cacheTtlMs : Math.min(deps.cacheTtlMs, 30_000)) });
    return result;
  }

  return {
    async resolve(clientId: string | undefined): Promise<ClientResult> {
      if (!clientId || clientId.length > 2000) return { ok: false, error: 'invalid_client', message: 'client_id is missing or too long' };
      if (clientId.startsWith('https://')) return fromUrl(clientId);
      const row = /^flc_[A-Za-z0-9_-]{10,40}$/.test(clientId) ? await clientsRepo.get(deps.store, clientId) : undefined;
      if (!row) return { ok: false, error: 'invalid_client', message: 'unknown client_id' };
      return { ok: true, client: { clientId: row.client_id, name: row.name, redirectUris: row.redirect_uris, kind: 'registered' } };
    },

    /** RFC 7591 dynamic registration of a public client. Returns the registration response body. */
    async register(body: unknown): Promise<{ ok: true; response: Record<string, unknown> } | { ok: false; error: 'invalid_client_metadata' | 'invalid_redirect_uri'; message: string }> {
      if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, error: 'invalid_client_metadata', message: 'the registration request must be a JSON object' };
      const b = body as Record<string, unknown>;
      if (!Array.isArray(b.redirect_uris) || b.redirect_uris.length === 0 || b.redirect_uris.length > 20) return { ok: false, error: 'invalid_redirect_uri', message: 'redirect_uris must be a list of 1-20 URIs' };
      for (const r of b.redirect_uris) {
        const p = redirectUriProblem(r);
        if (p) return { ok: false, error: 'invalid_redirect_uri', message: p };
      }
      const grantTypes = b.grant_types ?? ['authorization_code', 'refresh_token'];
      if (!Array.isArray(grantTypes) || !grantTypes.every((g) => g === 'authorization_code' || g === 'refresh_token')) return { ok: false, error: 'invalid_client_metadata', message: 'grant_types may hold only authorization_code and refresh_token' };
      const responseTypes = b.response_types ?? ['code'];
      if (!Array.isArray(responseTypes) || !responseTypes.every((r) => r === 'code')) return { ok: false, error: 'invalid_client_metadata', message: 'response_types may hold only code' };
      const clientId = `flc_${randomId()}`;
      const name = clientName(b.client_name, 'MCP client');
      const metadata: Record<string, unknown> = { client_name: name, grant_types: grantTypes, response_types: responseTypes };
      for (const k of ['client_uri', 'logo_uri', 'software_id', 'software_version'] as const) if (typeof b[k] === 'string') metadata[k] = (b[k] as string).slice(0, 500);
      await clientsRepo.insert(deps.store, { clientId, name, redirectUris: b.redirect_uris as string[], metadata });
      // Public clients only: whatever authentication method was asked for, none is what is issued (RFC 7591 §3.2.1 lets the server replace values).
      return { ok: true, response: { client_id: clientId, client_id_issued_at: Math.floor(now() / 1000), redirect_uris: b.redirect_uris, token_endpoint_auth_method: 'none', ...metadata } };
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;
