import { FlowLinkError } from '../../lib/errors.ts';
import { MAX_VALUE_BYTES } from '../secrets.types.ts';
import type { SecretBackend } from './backend.ts';

export type VaultAuth =
  | { method: 'token'; token: string }
  | { method: 'approle'; roleId: string; secretId: string; mount?: string };

export interface VaultOptions {
  address: string;
  auth: VaultAuth;
  /** Vault Enterprise namespace, sent as X-Vault-Namespace. */
  namespace?: string | undefined;
  /** How long a read is reused; short, so a rotated value is picked up soon. */
  cacheTtlMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  clock?: () => number;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * HashiCorp Vault KV v2 over its HTTP API (plain fetch). Reads `GET /v1/<mount>/data/<path>`
 * and picks one field; logs in with AppRole when configured (and again when the token
 * expires or is refused). Errors say what is wrong with Vault (sealed, unreachable,
 * refused) and never carry a token or a value.
 */
export function createVaultBackend(opts: VaultOptions): SecretBackend<{ backend: 'vault'; path: string; field: string }> & { clearCache(): void } {
  const base = opts.address.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const clock = opts.clock ?? Date.now;
  const ttl = opts.cacheTtlMs ?? 30_000;
  const timeout = opts.timeoutMs ?? 5_000;
  const cache = new Map<string, { data: Record<string, unknown>; until: number }>();
  let token: { value: string; until: number } | undefined = opts.auth.method === 'token' ? { value: opts.auth.token, until: Infinity } : undefined;
  let login: Promise<string> | undefined;

  async function call(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: unknown }> {
    let res: Response;
    try {
      res = await doFetch(`${base}/v1/${path}`, {
        method,
        headers: { ...headers, ...(opts.namespace ? { 'x-vault-namespace': opts.namespace } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeout),
        redirect: 'error',
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${timeout} ms` : (e.cause?.code ?? e.name);
      throw new FlowLinkError('secrets_unavailable', `Vault at ${base} is unreachable (${why})`);
    }
    const text = await res.text();
    if (text.length > MAX_RESPONSE_BYTES) throw new FlowLinkError('secrets_unavailable', 'Vault sent an answer larger than 1 MB');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.status === 503) throw new FlowLinkError('secrets_unavailable', `Vault at ${base} is sealed or in standby (503); unseal it or point FlowLink at the active node`);
    return { status: res.status, json };
  }

  async function appRoleLogin(a: Extract<VaultAuth, { method: 'approle' }>): Promise<string> {
    const r = await call('POST', `auth/${a.mount ?? 'approle'}/login`, {}, { role_id: a.roleId, secret_id: a.secretId });
    const auth = (r.json as { auth?: { client_token?: unknown; lease_duration?: unknown } } | undefined)?.auth;
    if (r.status !== 200 || typeof auth?.client_token !== 'string') throw new FlowLinkError('secrets_unavailable', `Vault AppRole login failed (HTTP ${r.status}); check the role id and secret id`);
    const lease = typeof auth.lease_duration === 'number' && auth.lease_duration > 0 ? auth.lease_duration : 300;
    // Renew a little early so a read never goes out with a token about to expire.
    token = { value: auth.client_token, until: clock() + Math.max(1, lease * 0.8) * 1000 };
    return auth.client_token;
  }

  async function currentToken(force = false): Promise<string> {
    if (opts.auth.method === 'token') return opts.auth.token;
    if (!force && token && token.until > clock()) return token.value;
    const a = opts.auth;
    login ??= appRoleLogin(a).finally(() => {
      login = undefined;
    });
    return login;
  }

  async function readPath(path: string): Promise<Record<string, unknown> | undefined> {
    const hit = cache.get(path);
    if (hit && hit.until > clock()) return hit.data;
    let r = await call('GET', path, { 'x-vault-token': await currentToken() });
    if (r.status === 403 && opts.auth.method === 'approle') r = await call('GET', path, { 'x-vault-token': await currentToken(true) });
    if (r.status === 404) return undefined;
    if (r.status === 403) throw new FlowLinkError('secrets_unavailable', `Vault refused to read ${path} (403): the token or role has no policy for it`);
    if (r.status !== 200) throw new FlowLinkError('secrets_unavailable', `Vault answered HTTP ${r.status} for ${path}`);
    const data = (r.json as { data?: { data?: unknown } } | undefined)?.data?.data;
    if (!data || typeof data !== 'object') return undefined;
    cache.set(path, { data: data as Record<string, unknown>, until: clock() + ttl });
    return data as Record<string, unknown>;
  }

  return {
    kind: 'vault',
    async read(ref) {
      const data = await readPath(ref.path);
      const v = data?.[ref.field];
      if (typeof v !== 'string' || !v) return undefined;
      if (Buffer.byteLength(v) > MAX_VALUE_BYTES) throw new FlowLinkError('secrets_unavailable', `the Vault field is larger than ${MAX_VALUE_BYTES} bytes`);
      return v;
    },
    clearCache() {
      cache.clear();
    },
  };
}
