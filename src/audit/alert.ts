import { createHmac } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../lib/logger.ts';

/** Environment variables for the outage webhook (the alert cannot go through the audit log: that is what failed). */
export const ALERT_URL_ENV = 'FLOWLINK_AUDIT_ALERT_URL';
export const ALERT_SECRET_ENV = 'FLOWLINK_AUDIT_ALERT_SECRET';
export const ALERT_SIGNATURE_HEADER = 'x-flowlink-signature';
export const ALERT_TIMESTAMP_HEADER = 'x-flowlink-timestamp';
const MAX_ERROR = 300;

export interface AuditAlert {
  source: 'flowlink';
  alert: 'audit_unavailable';
  /** firing when writes start failing, resolved when a write succeeds again. */
  status: 'firing' | 'resolved';
  instance: string;
  started_at: string;
  ended_at: string | null;
  failed_writes: number;
  /** The first error's message, bounded (database errors carry no secret values). */
  error: string;
}

/** Where alerts go; the webhook is one, tests pass a fake URL. */
export interface AlertSink {
  send(alert: AuditAlert): Promise<void>;
}

/** HMAC-SHA256 over `timestamp.body`, hex, as `sha256=<hex>` (receivers recompute it and compare in constant time). */
export function alertSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function createWebhookAlertSink(opts: { url: string; secret?: string | undefined; timeoutMs?: number }): AlertSink {
  return {
    async send(alert) {
      const body = JSON.stringify(alert);
      const ts = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = { 'content-type': 'application/json', [ALERT_TIMESTAMP_HEADER]: ts };
      if (opts.secret) headers[ALERT_SIGNATURE_HEADER] = alertSignature(opts.secret, ts, body);
      const res = await fetch(opts.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
      await res.body?.cancel().catch(() => {});
      if (!res.ok) throw new Error(`the audit alert webhook answered HTTP ${res.status}`);
    },
  };
}

/**
 * Turns audit write results into one alert per outage: the first failed write logs at
 * error level, counts an outage and sends `firing`; later failures only count; the first
 * successful write after that logs, sends `resolved` and records `audit.outage.ended` in
 * the (writable again) log. A successful probe is not a recovery: only a write is.
 * Sending never blocks or fails a call; a failed send is retried once per state change.
 */
export function createAuditAlerts(deps: {
  logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  sinks: readonly AlertSink[];
  instance?: string;
  onOutage?: (firing: boolean) => void;
  /** Records the outage in the log once it is writable again. */
  recordRecovery?: (a: AuditAlert) => Promise<void>;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  let outage: AuditAlert | undefined;
  let pending: Promise<void> = Promise.resolve();

  function send(a: AuditAlert) {
    const copy = { ...a };
    // Sends go out in order (firing before resolved), one chain per instance.
    pending = pending.then(() =>
      Promise.all(
        deps.sinks.map((s) =>
          s.send(copy).catch(async (err: unknown) => {
            deps.logger.warn({ err: (err as Error).message, status: copy.status }, 'audit outage alert could not be delivered; retrying once');
            await new Promise((r) => setTimeout(r, 1000).unref());
            await s.send(copy).catch((e: unknown) => deps.logger.error({ err: (e as Error).message, status: copy.status }, 'audit outage alert was not delivered'));
          }),
        ),
      ).then(() => {}),
    );
  }

  return {
    /** The audit writer's onWriteResult hook. */
    writeResult(ok: boolean, err?: unknown): void {
      if (!ok) {
        if (outage) {
          outage.failed_writes++;
          return;
        }
        const message = String((err as { cause?: Error })?.cause?.message ?? (err as Error)?.message ?? err).slice(0, MAX_ERROR);
        outage = { source: 'flowlink', alert: 'audit_unavailable', status: 'firing', instance: deps.instance ?? 'flowlink', started_at: now().toISOString(), ended_at: null, failed_writes: 1, error: message };
        deps.logger.error({ alert: 'audit_unavailable', error: message }, 'the audit log cannot be written: tool calls are refused until it recovers');
        deps.onOutage?.(true);
        send(outage);
        return;
      }
      if (!outage) return;
      const resolved: AuditAlert = { ...outage, status: 'resolved', ended_at: now().toISOString() };
      outage = undefined;
      deps.logger.info({ alert: 'audit_unavailable', failed_writes: resolved.failed_writes, since: resolved.started_at }, 'the audit log is writable again');
      deps.onOutage?.(false);
      send(resolved);
      if (deps.recordRecovery) {
        deps.recordRecovery(resolved).catch((e: unknown) => deps.logger.warn({ err: (e as Error).message }, 'the audit outage could not be recorded in the log'));
      }
    },
    get firing(): boolean {
      return outage !== undefined;
    },
    /** Resolves when every alert queued so far was sent (or given up on). */
    flush(): Promise<void> {
      return pending;
    },
  };
}

export type AuditAlerts = ReturnType<typeof createAuditAlerts>;

/** Outage metrics next to the existing flowlink_audit_healthy gauge: outages counted once each, and whether one is going on. */
export function outageMetrics(registry: Registry): (firing: boolean) => void {
  const outages = new Counter({ name: 'flowlink_audit_outages_total', help: 'Audit log outages (each alerted once, from the first failed write to the first successful one)', registers: [registry] });
  const firing = new Gauge({ name: 'flowlink_audit_outage_firing', help: '1 while an audit outage alert is firing', registers: [registry] });
  firing.set(0);
  return (on) => {
    if (on) outages.inc();
    firing.set(on ? 1 : 0);
  };
}
