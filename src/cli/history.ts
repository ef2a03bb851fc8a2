import type { Command } from './args.ts';
import { print, table } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { createAgentService, DEFAULT_ORG } from '../identity/agents.service.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { FlowLinkError } from '../lib/errors.ts';

export const historyCommand: Command = {
  name: 'history',
  summary: 'List recent tool calls',
  usage: `Usage: flowlink history [--limit N] [--agent NAME] [--server S] [--tool T] [--status ok|error|denied] [--json] [--config FILE] [--data DIR]`,
  options: { config: { type: 'string', short: 'c' }, data: { type: 'string' }, json: { type: 'boolean' }, limit: { type: 'string', short: 'n' }, agent: { type: 'string' }, server: { type: 'string' }, tool: { type: 'string' }, status: { type: 'string' } },
  async run({ values }, io) {
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new FlowLinkError('invalid_params', `--limit must be a whole number from 1 to 10000`);
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const org = await createAgentService({ store }).ensureOrg(DEFAULT_ORG);
      const rows = await auditRepo.history(store, { orgId: org.id, limit, agent: values.agent as string | undefined, server: values.server as string | undefined, tool: values.tool as string | undefined, status: values.status as string | undefined });
      if (values.json) {
        for (const r of rows) print(io, JSON.stringify(r));
        return 0;
      }
      if (!rows.length) return print(io, 'No calls recorded yet.'), 0;
      print(io, table([['TIME', 'AGENT', 'SERVER', 'TOOL', 'STATUS', 'MS', 'ERROR'], ...rows.map((r) => [new Date(r.started_at).toISOString().slice(0, 19).replace('T', ' '), r.agent_name ?? '', r.server, r.tool, r.status, r.duration_ms.toFixed(1), (r.error ?? '').slice(0, 60)])]));
      return 0;
    } finally {
      await store.close();
    }
  },
};
