/** Plain data shared by the limiter and its backends. */

/** One bucket to take a token from; `key` already names the limit and the dimension values. */
export interface BucketSpec {
  limit: string;
  key: string;
  /** Refill rate in tokens per ms; undefined for a quota-only limit. */
  perMs?: number | undefined;
  burst?: number | undefined;
  /** Calls per UTC day; undefined for no quota. */
  daily?: number | undefined;
}

export type TakeResult = { ok: true } | { ok: false; limit: string; kind: 'rate' | 'daily'; retryAfterMs: number };

/**
 * Takes one token from every bucket, or from none: a call refused by one limit does not
 * use up the others. Rejects when the backend cannot answer.
 */
export interface RateLimitBackend {
  readonly kind: 'memory' | 'redis';
  take(specs: readonly BucketSpec[]): Promise<TakeResult>;
  /** True while the backend answers. */
  readonly up: boolean;
  readonly lastError: string | undefined;
  close(): Promise<void>;
}
