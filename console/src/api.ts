/**
 * The console's one way to the REST API (the same API the CLI uses; no private routes).
 * Cookies carry the session; every state-changing request sends the CSRF token from the
 * fl_csrf cookie in the x-csrf-token header, as the identity API expects. Errors come back
 * as ApiError with the API's stable code, so pages can branch on `code`, never on text.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const CSRF_COOKIE = 'fl_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

/** Called when any request answers 401 (the session ended): the shell sends the user to sign-in. */
let onUnauthorized: (() => void) | undefined;
export function setUnauthorizedHandler(fn: (() => void) | undefined) {
  onUnauthorized = fn;
}

async function request<T>(method: string, path: string, body?: unknown, opts: { query?: Query; signal?: AbortSignal; quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers[CSRF_HEADER] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(withQuery(`/api${path}`, opts.query), {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'FlowLink is not reachable');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; data?: unknown } } | undefined)?.error;
    if (res.status === 401 && !opts.quiet401) onUnauthorized?.();
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `${res.status} ${res.statusText}`, e?.data);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string, query?: Query, opts: { signal?: AbortSignal; quiet401?: boolean } = {}) => request<T>('GET', path, undefined, { ...opts, ...(query ? { query } : {}) }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T = void>(path: string) => request<T>('DELETE', path),
};

/** `/v1/orgs/<orgId><rest>`, with the id encoded. */
export const orgPath = (orgId: string, rest = '') => `/v1/orgs/${encodeURIComponent(orgId)}${rest}`;

/** A download link for GET routes (exports): the browser sends the cookie itself. */
export const downloadUrl = (path: string, query?: Query) => withQuery(`/api${path}`, query);

// ---- Shapes of the answers the console reads (mirrors of the server's views) ----

export type Role = 'owner' | 'admin' | 'approver' | 'auditor' | 'viewer';

export interface User {
  id: string;
  email: string;
  name: string;
  twoFactorEnabled: boolean;
  createdAt: string;
}

export interface OrgSummary {
  id: string;
  name: string;
  role: Role;
  requireMfa: boolean;
}

export interface Me {
  user: User;
  orgs: OrgSummary[];
  csrfToken: string;
}

export interface SessionInfo {
  id: string;
  ip: string;
  userAgent: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}

export interface ApprovalReason {
  rule: string;
  message: string;
}

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'failed';

export interface Approval {
  id: string;
  orgId: string;
  callId: string;
  callHash: string;
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  agentId: string;
  agentName: string;
  sessionId: string | null;
  risk: number | null;
  reasons: ApprovalReason[];
  policyRule: string | null;
  policyReason: string | null;
  requiredApprovals: number;
  approvals: number;
  state: ApprovalState;
  scope: 'once' | 'session' | null;
  decidedByName: string | null;
  decidedChannel: string | null;
  decisionReason: string | null;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
}
