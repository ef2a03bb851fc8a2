import type { EventRow } from '../audit/audit.repo.ts';
import type { AuditSeverity } from '../audit/catalog.ts';

/** One audit event as sinks receive it: the stored record plus its catalog severity. */
export interface SiemEvent extends EventRow {
  severity: AuditSeverity;
}

export type SinkType = 'webhook' | 'alertmanager' | 'splunk-hec' | 'syslog';

/** Which events a sink wants: kind globs (`call.*`) and a minimum severity. Pure data. */
export interface SinkFilter {
  /** Globs over event kinds; `*` matches any run of characters. Empty or absent: every kind. */
  kinds?: readonly string[] | undefined;
  minSeverity?: AuditSeverity | undefined;
}

/**
 * A SIEM sink: a formatter (a pure function from events to the receiver's wire format)
 * and a transport. `send` delivers a batch in order and resolves only when the receiver
 * accepted all of it; it throws otherwise (the batch is retried from the same cursor).
 * Receivers get at-least-once delivery and dedupe by the event id each format carries.
 */
export interface SiemSink {
  readonly id: string;
  readonly type?: SinkType;
  readonly filter?: SinkFilter;
  /** Most events per send (the delivery loop reads this many records at a time). */
  readonly batchSize?: number;
  /**
   * false for transports without an acknowledgement (syslog over UDP): a send that
   * "succeeds" may still be lost, and a receiver that is down cannot be noticed.
   */
  readonly acknowledged?: boolean;
  /** Where it delivers, without credentials (host[:port] and path), for status pages. */
  readonly target?: string;
  send(events: readonly SiemEvent[]): Promise<void>;
  close?(): Promise<void>;
}

/** A delivery failure. The message names the sink and what went wrong, never a secret or a URL's credentials. */
export class SinkError extends Error {
  constructor(
    message: string,
    /** false when retrying the same batch cannot help until someone fixes the config (bad token, bad format); delivery still retries, at the longest backoff. */
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'SinkError';
  }
}
