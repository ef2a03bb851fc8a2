/**
 * Typed errors. Every error FlowLink raises on purpose has a stable code, an HTTP
 * status and a JSON-RPC code, so each edge (HTTP, JSON-RPC, CLI) maps it once and
 * never needs an instanceof ladder. Messages are written for the person reading them
 * and must never contain a secret.
 */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Implementation-defined server errors live in -32000..-32099. */
  ServerError: -32000,
  Unauthorized: -32001,
  ConnectionClosed: -32002,
  RequestTimeout: -32003,
  Denied: -32010,
  AuditUnavailable: -32011,
  UpstreamUnavailable: -32012,
  RateLimited: -32013,
} as const;

export interface ErrorSpec {
  readonly http: number;
  readonly rpc: number;
}

/** The catalog of error codes. Adding a code here is the only way to create one. */
export const ErrorCodes = {
  bad_request: { http: 400, rpc: JsonRpcCode.InvalidRequest },
  parse_error: { http: 400, rpc: JsonRpcCode.ParseError },
  invalid_params: { http: 400, rpc: JsonRpcCode.InvalidParams },
  method_not_found: { http: 404, rpc: JsonRpcCode.MethodNotFound },
  unauthorized: { http: 401, rpc: JsonRpcCode.Unauthorized },
  forbidden: { http: 403, rpc: JsonRpcCode.Denied },
  not_found: { http: 404, rpc: JsonRpcCode.InvalidParams },
  unknown_server: { http: 404, rpc: JsonRpcCode.InvalidParams },
  unknown_session: { http: 404, rpc: JsonRpcCode.InvalidRequest },
  payload_too_large: { http: 413, rpc: JsonRpcCode.InvalidRequest },
  unsupported_media_type: { http: 415, rpc: JsonRpcCode.InvalidRequest },
  not_acceptable: { http: 406, rpc: JsonRpcCode.InvalidRequest },
  host_not_allowed: { http: 403, rpc: JsonRpcCode.InvalidRequest },
  conflict: { http: 409, rpc: JsonRpcCode.InvalidRequest },
  header_mismatch: { http: 400, rpc: JsonRpcCode.InvalidRequest },
  denied: { http: 403, rpc: JsonRpcCode.Denied },
  /** The call needs a human decision (Shield or policy said approve). */
  approval_required: { http: 403, rpc: JsonRpcCode.Denied },
  /** A tool hidden by Shield (poisoned on first sight, or changed since it was pinned). */
  tool_quarantined: { http: 403, rpc: JsonRpcCode.Denied },
  rate_limited: { http: 429, rpc: JsonRpcCode.RateLimited },
  upstream_unavailable: { http: 502, rpc: JsonRpcCode.UpstreamUnavailable },
  upstream_timeout: { http: 504, rpc: JsonRpcCode.RequestTimeout },
  upstream_error: { http: 502, rpc: JsonRpcCode.InternalError },
  audit_unavailable: { http: 503, rpc: JsonRpcCode.AuditUnavailable },
  shutting_down: { http: 503, rpc: JsonRpcCode.ConnectionClosed },
  config_invalid: { http: 500, rpc: JsonRpcCode.InternalError },
  store_locked: { http: 500, rpc: JsonRpcCode.InternalError },
  internal: { http: 500, rpc: JsonRpcCode.InternalError },
  /** Sign-in failed: the same code for an unknown address, a wrong password or a wrong second factor. */
  invalid_credentials: { http: 401, rpc: JsonRpcCode.Unauthorized },
  /** A state-changing cookie request without a valid CSRF token or from a foreign Origin. */
  csrf_failed: { http: 403, rpc: JsonRpcCode.Denied },
  /** The new password does not meet the password policy. */
  weak_password: { http: 400, rpc: JsonRpcCode.InvalidParams },
  /** A reset or invite token that is unknown, used, revoked or expired (one code for all, on purpose). */
  invalid_token: { http: 400, rpc: JsonRpcCode.InvalidParams },
  /** The organization requires two-factor authentication and the user has not enabled it. */
  mfa_enrollment_required: { http: 403, rpc: JsonRpcCode.Denied },
  /** A secret backend (Vault, the key store) cannot be reached, is sealed, or refused FlowLink. */
  secrets_unavailable: { http: 503, rpc: JsonRpcCode.UpstreamUnavailable },
  /** The master key is missing, malformed or weak (refused at start outside demo mode). */
  master_key_invalid: { http: 500, rpc: JsonRpcCode.InternalError },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ErrorCodes;

export class FlowLinkError extends Error {
  readonly code: ErrorCode;
  readonly http: number;
  readonly rpc: number;
  /** Structured details safe to show to the caller (never secrets). */
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, data?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FlowLinkError';
    this.code = code;
    this.http = ErrorCodes[code].http;
    this.rpc = ErrorCodes[code].rpc;
    this.data = data;
  }
}

export function isFlowLinkError(err: unknown): err is FlowLinkError {
  return err instanceof FlowLinkError;
}

/** Normalizes anything thrown into a FlowLinkError; unknown errors become `internal` without leaking their text. */
export function toFlowLinkError(err: unknown): FlowLinkError {
  if (isFlowLinkError(err)) return err;
  return new FlowLinkError('internal', 'internal error', undefined, { cause: err });
}

/** Result union for pure checks: only an edge turns a failure into a wire error. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: FlowLinkError };
