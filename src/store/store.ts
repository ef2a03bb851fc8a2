/**
 * The store: PostgreSQL (when a URL is given) or PGlite (embedded, the default), behind
 * one small interface. Modules own their SQL and receive a `Queryable`, which is either
 * the store itself or a transaction, so a repo function works the same in both.
 */
export interface Queryable {
  /**
   * Runs one statement. `name` marks a hot statement for a server-side prepared plan
   * (PostgreSQL); the same name must always carry the same text.
   */
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[], opts?: { name?: string }): Promise<T[]>;
}

export interface Store extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction; rolls back if it throws. No network calls inside fn. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to a NOTIFY channel; returns an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}
