import { Counter, Gauge, type Registry } from 'prom-client';
import type { SinkSummary } from './status.ts';

/**
 * SIEM metrics on FlowLink's registry. Lag and state are read from the store at scrape
 * time (one status query per scrape, shared by the gauges), so every instance reports the
 * same numbers whichever of them holds a sink's lease.
 */
export function registerSiemMetrics(registry: Registry, summaries: () => Promise<SinkSummary[]>) {
  let cached: { at: number; p: Promise<SinkSummary[]> } | undefined;
  const read = () => {
    if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), p: summaries().catch(() => []) };
    return cached.p;
  };
  const gauge = (name: string, help: string, value: (s: SinkSummary) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['sink'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await read()) {
          const v = value(s);
          if (v !== undefined) this.set({ sink: s.sink }, v);
        }
      },
    });
  gauge('flowlink_siem_lag_events', 'Audit records not yet delivered to the sink (all orgs)', (s) => s.lag_events);
  gauge('flowlink_siem_lag_seconds', 'Age of the oldest audit record not yet delivered to the sink', (s) => s.lag_seconds);
  gauge('flowlink_siem_up', '0 while the last send to the sink failed', (s) => (s.state === 'failing' ? 0 : 1));
  gauge('flowlink_siem_last_success_timestamp_seconds', 'When the sink last accepted a batch (Unix time)', (s) => (s.last_success_at ? Date.parse(s.last_success_at) / 1000 : undefined));
  const delivered = new Counter({ name: 'flowlink_siem_delivered_events_total', help: 'Events this instance delivered to the sink', labelNames: ['sink'], registers: [registry] });
  const failures = new Counter({ name: 'flowlink_siem_send_failures_total', help: 'Failed sends to the sink from this instance (each is retried)', labelNames: ['sink'], registers: [registry] });
  return {
    onSent: (sink: string, n: number) => delivered.inc({ sink }, n),
    onFailure: (sink: string) => failures.inc({ sink }),
  };
}
