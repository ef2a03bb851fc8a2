import type { EventRow } from '../../audit/audit.repo.ts';
import type { AuditSeverity } from '../../audit/catalog.ts';

/** One audit event as sinks receive it: the stored record plus its catalog severity. */
export interface SiemEvent extends EventRow {
  severity: AuditSeverity;
}

/**
 * A SIEM sink. `send` delivers a batch in order and resolves only when the receiver
 * accepted all of it; it throws otherwise (the batch is retried from the same cursor).
 * Receivers get at-least-once delivery and dedupe by event `id` (a crash between a
 * successful send and the cursor update resends that batch).
 */
export interface SiemSink {
  readonly id: string;
  /** Only these kinds (default: all). */
  readonly kinds?: readonly string[];
  readonly minSeverity?: AuditSeverity;
  send(events: readonly SiemEvent[]): Promise<void>;
}
