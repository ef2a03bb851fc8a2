import type { Command } from './args.ts';
import { print, table } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { createAgentService, DEFAULT_ORG } from '../identity/agents.service.ts';
import { createAuditWriter } from '../audit/audit.writer.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { parseDuration } from '../config/schema.ts';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Create, list and revoke agent credentials',
  usage: `Usage:
  flowlink agent create NAME [--expires 30d] [--label k=v ...] [--json]   prints the token once
  flowlink agent list [--json]
  flowlink agent revoke NAME                                              takes effect at once, open sessions included
Common: [--config FILE] [--data DIR]`,
  options: { config: { type: 'string', short: 'c' }, data: { type: 'string' }, json: { type: 'boolean' }, expires: { type: 'string' }, label: { type: 'string', multiple: true } },
  async run({ values, positionals }, io) {
    const [sub, name] = positionals;
    if (!sub || !['create', 'list', 'revoke'].includes(sub)) throw new FlowLinkError('invalid_params', `unknown or missing subcommand "${sub ?? ''}"\n\n${agentCommand.usage}`);
    if (sub !== 'list' && !name) throw new FlowLinkError('invalid_params', `agent ${sub} needs a NAME\n\n${agentCommand.usage}`);
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const agents = createAgentService({ store });
      const audit = createAuditWriter({ store });
      const org = await agents.ensureOrg(DEFAULT_ORG);
      if (sub === 'create') {
        const labels: Record<string, string> = {};
        for (const l of (values.label as string[] | undefined) ?? []) {
          const i = l.indexOf('=');
          if (i <= 0) throw new FlowLinkError('invalid_params', `--label "${l}" must be key=value`);
          labels[l.slice(0, i)] = l.slice(i + 1);
        }
        let expiresAt: Date | undefined;
        if (values.expires) {
          try {
            expiresAt = new Date(Date.now() + parseDuration(values.expires as string));
          } catch {
            throw new FlowLinkError('invalid_params', `--expires "${values.expires}" is not a duration such as 12h or 30d`);
          }
        }
        const { agent, token } = await agents.create(org.id, name!, { labels, ...(expiresAt ? { expiresAt } : {}) });
        await audit.append({ orgId: org.id, kind: 'agent.created', actor: { type: 'user', id: 'cli' }, outcome: 'success', data: { agent_id: agent.id, name: agent.name, expires_at: expiresAt?.toISOString() ?? null } });
        if (values.json) print(io, JSON.stringify({ id: agent.id, name: agent.name, org: org.name, token, expiresAt: expiresAt?.toISOString() ?? null }));
        else print(io, `Agent "${agent.name}" created. Its token (shown only now, store it safely):\n\n  ${token}\n`);
      } else if (sub === 'list') {
        const rows = await agents.list(org.id);
        if (values.json) print(io, JSON.stringify(rows.map((a) => ({ id: a.id, name: a.name, labels: a.labels, createdAt: a.created_at, lastSeenAt: a.last_seen_at, revoked: a.revoked_at !== null }))));
        else if (!rows.length) print(io, 'No agents yet. Create one with: flowlink agent create NAME');
        else print(io, table([['NAME', 'ID', 'CREATED', 'STATUS'], ...rows.map((a) => [a.name, a.id, a.created_at.toISOString().slice(0, 19), a.revoked_at ? 'revoked' : 'active'])]));
      } else {
        const agent = await agents.revoke(org.id, name!);
        await audit.append({ orgId: org.id, kind: 'agent.revoked', actor: { type: 'user', id: 'cli' }, outcome: 'success', data: { agent_id: agent.id, name: agent.name } });
        if (values.json) print(io, JSON.stringify({ id: agent.id, name: agent.name, revoked: true }));
        else print(io, `Agent "${agent.name}" revoked; its tokens no longer work.`);
      }
      await audit.close();
      return 0;
    } finally {
      await store.close();
    }
  },
};
