import type { Command } from './args.ts';
import { print, table } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { SiemConfigSchema } from '../siem/siem.config.ts';
import { sinkFromConfig } from '../siem/sinks/index.ts';
import { sinkStatuses, summarize } from '../siem/status.ts';
import { SinkError } from '../siem/siem.types.ts';

const usage = `Usage:
  flowlink audit sinks [--json] [--config FILE] [--data DIR]
      the SIEM sinks in the config (siem.sinks) and their delivery over every org: delivered
      events, lag (records and the age of the oldest undelivered one), last error and last
      success. Read from the store, so it shows what the running instances did; it sends nothing.
Exit status: 0 every sink is up to date or catching up, 3 a sink is failing, 1 other failure.`;

/** Exit status when a sink's last send failed (so scripts and monitors can tell). */
export const EXIT_SINK_FAILING = 3;

const ago = (iso: string | null, now: number) => {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

export const sinksCommand: Command = {
  name: 'audit sinks',
  summary: 'SIEM sinks and their delivery status',
  usage,
  options: { config: { type: 'string', short: 'c' }, data: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    if (positionals.length) throw new FlowLinkError('invalid_params', `unexpected argument "${positionals[0]!.slice(0, 40)}"\n\n${usage}`);
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const siem = loaded.config.siem ?? SiemConfigSchema.parse({});
    // Status only: the sinks are built for their names, types and targets; no credential is read.
    const sinks = siem.sinks.map((c) => sinkFromConfig(c, { secret: async () => Promise.reject(new SinkError('not sending from the CLI')), baseDir: loaded.baseDir }));
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const rows = summarize(sinks, await sinkStatuses(store, sinks));
      const failing = rows.some((r) => r.state === 'failing');
      if (values.json) {
        print(io, JSON.stringify({ sinks: rows }, null, 2));
        return failing ? EXIT_SINK_FAILING : 0;
      }
      if (!rows.length) {
        print(io, 'No SIEM sinks are configured (siem.sinks in the config; see docs/siem.md).');
        return 0;
      }
      const now = Date.now();
      print(
        io,
        table([
          ['SINK', 'TYPE', 'TARGET', 'STATE', 'DELIVERED', 'LAG', 'OLDEST', 'LAST SUCCESS', 'LAST ERROR'],
          ...rows.map((r) => [r.sink, r.type, r.target ?? '-', r.state, String(r.delivered_total), String(r.lag_events), r.lag_seconds ? `${r.lag_seconds}s` : '-', ago(r.last_success_at, now), r.last_error ? `${r.last_error} (${ago(r.last_error_at, now)})` : '-']),
        ]),
      );
      return failing ? EXIT_SINK_FAILING : 0;
    } finally {
      await store.close();
    }
  },
};
