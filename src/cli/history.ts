import type { Command, Io } from './args.ts';
import { print, table } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { createAgentService, DEFAULT_ORG } from '../identity/agents.service.ts';
import { auditRepo, MAX_HISTORY_TEXT, type CallRow, type HistoryFilter } from '../audit/audit.repo.ts';
import { CSV_COLUMNS, csvHeader, csvRow, historyRecord } from '../audit/history.export.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { parseWhen } from '../audit/when.ts';

const FORMATS = ['table', 'json', 'jsonl', 'csv'] as const;
const PAGE = 1000;

export const historyCommand: Command = {
  name: 'history',
  summary: 'List, search and export tool calls',
  usage: `Usage: flowlink history [filters] [--format table|jsonl|csv] [--limit N] [--config FILE] [--data DIR]
Filters:
  --agent NAME  --server S  --tool T  --status ok|error|denied
  --verdict allow|approve|block   --min-risk 0..100  --max-risk 0..100
  --since 7d|2026-01-31[T..]  --until ...   --text SUBSTRING (tool, server, agent, error, arguments)
--format jsonl (or --json) prints one JSON object per line; csv prints RFC 4180 CSV with a header.
The table and --json show the newest 50 by default; jsonl and csv export every match unless --limit is given.`,
  options: {
    config: { type: 'string', short: 'c' },
    data: { type: 'string' },
    json: { type: 'boolean' },
    format: { type: 'string', short: 'f' },
    limit: { type: 'string', short: 'n' },
    agent: { type: 'string' },
    server: { type: 'string' },
    tool: { type: 'string' },
    status: { type: 'string' },
    verdict: { type: 'string' },
    'min-risk': { type: 'string' },
    'max-risk': { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    text: { type: 'string' },
  },
  async run({ values }, io) {
    const format = (values.format as string | undefined) ?? (values.json ? 'jsonl' : 'table');
    if (!(FORMATS as readonly string[]).includes(format)) throw new FlowLinkError('invalid_params', `--format must be one of ${FORMATS.join(', ')}`);
    const exporting = format === 'csv' || (format === 'jsonl' && !values.json);
    const limit = values.limit === undefined ? (exporting ? Infinity : 50) : Number(values.limit);
    if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)) throw new FlowLinkError('invalid_params', `--limit must be a whole number from 1 to 1000000`);
    if (values.status !== undefined && !['ok', 'error', 'denied'].includes(values.status as string)) throw new FlowLinkError('invalid_params', '--status must be ok, error or denied');
    if (values.verdict !== undefined && !['allow', 'approve', 'block'].includes(values.verdict as string)) throw new FlowLinkError('invalid_params', '--verdict must be allow, approve or block');
    const minRisk = risk(values['min-risk'], '--min-risk');
    const maxRisk = risk(values['max-risk'], '--max-risk');
    if (minRisk !== undefined && maxRisk !== undefined && minRisk > maxRisk) throw new FlowLinkError('invalid_params', '--min-risk is greater than --max-risk');
    const text = values.text as string | undefined;
    if (text !== undefined && text.length > MAX_HISTORY_TEXT) throw new FlowLinkError('invalid_params', `--text is limited to ${MAX_HISTORY_TEXT} characters`);
    const filter: Omit<HistoryFilter, 'orgId' | 'limit'> = {
      agent: bounded(values.agent, 'agent'),
      server: bounded(values.server, 'server'),
      tool: bounded(values.tool, 'tool'),
      status: values.status as string | undefined,
      verdict: values.verdict as string | undefined,
      minRisk,
      maxRisk,
      since: parseWhen(values.since as string | undefined, '--since'),
      until: parseWhen(values.until as string | undefined, '--until'),
      text,
    };

    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const org = await createAgentService({ store }).ensureOrg(DEFAULT_ORG);
      if (format === 'table') {
        const rows = await auditRepo.history(store, { ...filter, orgId: org.id, limit });
        if (!rows.length) return print(io, 'No calls recorded yet.'), 0;
        print(io, table([['TIME', 'AGENT', 'SERVER', 'TOOL', 'STATUS', 'MS', 'ERROR'], ...rows.map((r) => [new Date(r.started_at).toISOString().slice(0, 19).replace('T', ' '), r.agent_name ?? '', r.server, r.tool, r.status, r.duration_ms.toFixed(1), (r.error ?? '').slice(0, 60)])]));
        return 0;
      }
      if (format === 'csv') await write(io, csvHeader(CSV_COLUMNS));
      let left = limit;
      let before: HistoryFilter['before'];
      while (left > 0) {
        const page: CallRow[] = await auditRepo.history(store, { ...filter, orgId: org.id, limit: Math.min(PAGE, left), before });
        const lines = page.map((r) => (format === 'csv' ? csvRow(CSV_COLUMNS, historyRecord(r)) : JSON.stringify(format === 'json' || values.json ? r : historyRecord(r)) + '\n'));
        if (lines.length) await write(io, lines.join(''));
        left -= page.length;
        if (page.length < Math.min(PAGE, left + page.length)) break;
        const last = page[page.length - 1]!;
        before = { started_at: new Date(last.started_at).toISOString(), id: last.id };
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};

function bounded(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (s.length > 256) throw new FlowLinkError('invalid_params', `--${name} is limited to 256 characters`);
  return s;
}

function risk(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new FlowLinkError('invalid_params', `${flag} must be a number from 0 to 100`);
  return n;
}

/** Writes respecting backpressure, so a large export streams instead of filling memory. */
function write(io: Io, text: string): Promise<void> {
  return new Promise((resolve) => (io.stdout.write(text) ? resolve() : io.stdout.once('drain', () => resolve())));
}
