/**
 * JSON-RPC 2.0 message shapes as FlowLink forwards them. The gateway moves raw messages
 * and inspects only the few fields it routes on, so these types are deliberately loose
 * about params and results.
 */
export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: JsonRpcId | null; result: Record<string, unknown> }
  | { jsonrpc: '2.0'; id: JsonRpcId | null; error: JsonRpcErrorObject };

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export function isRequest(m: JsonRpcMessage): m is JsonRpcRequest {
  return 'method' in m && 'id' in m && m.id !== undefined && m.id !== null;
}
export function isNotification(m: JsonRpcMessage): m is JsonRpcNotification {
  return 'method' in m && !('id' in m && m.id !== undefined && m.id !== null);
}
export function isResponse(m: JsonRpcMessage): m is JsonRpcResponse {
  return !('method' in m) && ('result' in m || 'error' in m);
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcResponse {
  const error: JsonRpcErrorObject = { code, message };
  if (data !== undefined) error.data = data;
  return { jsonrpc: '2.0', id, error };
}

/**
 * Checks the envelope of one incoming message. Returns a reason string when it is not
 * valid JSON-RPC 2.0, so the edge can answer with InvalidRequest naming what is wrong.
 */
export function envelopeProblem(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'a JSON-RPC message must be a JSON object';
  const o = m as Record<string, unknown>;
  if (o.jsonrpc !== '2.0') return '"jsonrpc" must be "2.0"';
  if ('id' in o && o.id !== null && typeof o.id !== 'string' && typeof o.id !== 'number') return '"id" must be a string or a number';
  if ('method' in o) {
    if (typeof o.method !== 'string' || o.method.length === 0) return '"method" must be a non-empty string';
    if ('params' in o && o.params !== undefined && (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params))) return '"params" must be an object';
    return undefined;
  }
  if ('result' in o || 'error' in o) {
    if (!('id' in o)) return 'a response needs an "id"';
    if ('error' in o) {
      const e = o.error as Record<string, unknown> | null;
      if (typeof e !== 'object' || e === null || typeof e.code !== 'number' || typeof e.message !== 'string') return '"error" must have a numeric "code" and a string "message"';
    }
    return undefined;
  }
  return 'a JSON-RPC message needs "method" (request or notification) or "result"/"error" (response)';
}
