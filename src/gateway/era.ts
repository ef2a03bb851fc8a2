import type { JsonRpcRequest } from './jsonrpc.ts';

/** The stateless revision FlowLink serves to agents; everything before it is the session-based era. */
export const MODERN_VERSIONS = ['2026-07-28'];
/** Session-based revisions accepted from agents, newest first. */
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** Methods of the 2026-07-28 registry; anything else is -32601 with HTTP 404 for modern requests. */
export const MODERN_METHODS = new Set(['tools/call', 'tools/list', 'prompts/get', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read', 'completion/complete', 'server/discover', 'subscriptions/listen']);
/** Results that carry cache hints in 2026. */
export const CACHEABLE = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read', 'server/discover']);

/** Mcp-Name mirrors this body field for these methods. */
const NAME_SOURCE: Record<string, 'name' | 'uri' | 'taskId'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

export function metaOf(m: { params?: Record<string, unknown> }): Record<string, unknown> | undefined {
  const meta = m.params?._meta;
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
}

/** A message is modern when its _meta claims a protocol version; headers never upgrade it. */
export function claimsModern(m: { params?: Record<string, unknown> }): boolean {
  return metaOf(m)?.[META.protocolVersion] !== undefined;
}

/** Decodes the `=?base64?…?=` form used for Mcp-Name values that are not plain ASCII. */
export function decodeHeaderValue(v: string): string | undefined {
  const m = /^=\?base64\?([A-Za-z0-9+/=]*)\?=$/.exec(v);
  if (!m) return v;
  try {
    return Buffer.from(m[1]!, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

export type ModernProblem = { status: number; code: number; message: string; data?: unknown };

/** Checks a modern request's envelope and mirrored headers. Returns the problem, or undefined. */
export function checkModernRequest(req: JsonRpcRequest, headers: Record<string, string | string[] | undefined>): ModernProblem | undefined {
  const meta = metaOf(req)!;
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string') return { status: 400, code: -32602, message: `Invalid params: _meta["${META.protocolVersion}"] must be a string`, data: { envelope: META.protocolVersion } };
  const caps = meta[META.clientCapabilities];
  if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) {
    return { status: 400, code: -32602, message: `Invalid params: the request is missing the required per-request envelope key _meta["${META.clientCapabilities}"]`, data: { envelope: META.clientCapabilities } };
  }
  if (!MODERN_VERSIONS.includes(version)) return { status: 400, code: -32022, message: `Unsupported protocol version: ${version}`, data: { supported: MODERN_VERSIONS, requested: version } };
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const mismatch = (h: string, body: string, got: string | undefined): ModernProblem => ({
    status: 400,
    code: -32020,
    message: `Bad Request: the request headers and body disagree: ${got === undefined ? `the ${h} header is missing` : `the body carries ${body} but the ${h} header names "${got}"`}`,
    data: { mismatch: { header: got ?? '(missing)', body } },
  });
  const pv = header('mcp-protocol-version');
  if (pv !== version) return mismatch('MCP-Protocol-Version', `protocolVersion="${version}"`, pv);
  const method = header('mcp-method');
  if (method !== req.method) return mismatch('Mcp-Method', `method="${req.method}"`, method);
  const field = NAME_SOURCE[req.method];
  if (field) {
    const bodyValue = req.params?.[field];
    const raw = header('mcp-name');
    const decoded = raw === undefined ? undefined : decodeHeaderValue(raw);
    if (decoded === undefined || decoded !== bodyValue) return mismatch('Mcp-Name', `params.${field}=${JSON.stringify(bodyValue)}`, raw);
  }
  return undefined;
}

/** Adds what 2026 clients require on results: resultType, cache hints, serverInfo. */
export function decorateModernResult(method: string, result: Record<string, unknown>, serverInfo: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result };
  out.resultType ??= 'complete';
  if (CACHEABLE.has(method)) {
    out.ttlMs ??= 0;
    out.cacheScope ??= 'private';
  }
  if (serverInfo) {
    const meta = (out._meta as Record<string, unknown> | undefined) ?? {};
    out._meta = { ...meta, [META.serverInfo]: meta[META.serverInfo] ?? serverInfo };
  }
  return out;
}
