import type { Command, Io } from './args.ts';
import { print, table } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { openServices, resolveOrg } from '../compliance/cli-context.ts';
import type { SnapshotDiff } from '../snapshots/diff.ts';

const USAGE = `Usage:
  flowlink snapshot capture [--reason manual|incident] [--ref TEXT]   store the org's context now
  flowlink snapshot list [--limit N]                                 newest first
  flowlink snapshot show ID                                          the content as JSON
  flowlink snapshot diff FROM_ID TO_ID                               rules, limits, agents, servers, pinned tools, config
  flowlink snapshot restore ID [--actor NAME]                        the snapshot's policies and rules become a new version
Common: [--org NAME|ID] (default: default) [--json] [--config FILE] [--data DIR]
A snapshot holds policies and rules, agents (no tokens), servers with pinned tool definitions,
the configuration with secret values redacted, and the audit head and checkpoint.`;

function printDiff(io: Io, d: SnapshotDiff) {
  if (d.identical) return print(io, `${d.from.id} and ${d.to.id} hold the same context`);
  print(io, `policy: version ${d.policy.from_version} -> ${d.policy.to_version}`);
  for (const l of d.policy.lines) print(io, `  ${l}`);
  const list = (name: string, x: { added: string[]; removed: string[]; changed: { id: string; fields: { field: string }[] }[] }) => {
    for (const a of x.added) print(io, `+ ${name} ${a}`);
    for (const r of x.removed) print(io, `- ${name} ${r}`);
    for (const c of x.changed) print(io, `~ ${name} ${c.id}: ${c.fields.map((f) => f.field).join(', ')}`);
  };
  list('agent', d.agents);
  list('server', d.servers);
  for (const t of d.tools.added) print(io, `+ tool ${t}`);
  for (const t of d.tools.removed) print(io, `- tool ${t}`);
  for (const t of d.tools.changed) print(io, `~ tool ${t.tool}: ${t.from_hash.slice(0, 12)} -> ${t.to_hash.slice(0, 12)} (${t.status})`);
  for (const c of d.config) print(io, `~ config ${c.field}`);
  print(io, `audit: seq ${d.audit.from_seq ?? 0} -> ${d.audit.to_seq ?? 0}`);
}

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: 'Capture, list, show, diff and restore context snapshots (policies, agents, servers, config)',
  usage: USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    data: { type: 'string' },
    org: { type: 'string' },
    reason: { type: 'string' },
    ref: { type: 'string' },
    limit: { type: 'string' },
    actor: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    const [sub, a, b] = positionals;
    const need = { capture: 0, list: 0, show: 1, diff: 2, restore: 1 }[sub as 'capture'];
    if (need === undefined) throw new FlowLinkError('invalid_params', `unknown or missing subcommand "${(sub ?? '').slice(0, 40)}"\n\n${USAGE}`);
    if (positionals.length - 1 !== need) throw new FlowLinkError('invalid_params', `snapshot ${sub} takes ${need} snapshot id(s)\n\n${USAGE}`);
    const reason = (values.reason ?? 'manual') as string;
    if (reason !== 'manual' && reason !== 'incident') throw new FlowLinkError('invalid_params', '--reason must be manual or incident');
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new FlowLinkError('invalid_params', '--limit must be 1 to 500');
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const org = await resolveOrg(store, values.org as string | undefined);
      const svc = await openServices(store, loaded.config, loaded.baseDir);
      try {
        const json = (v: unknown) => print(io, JSON.stringify(v, null, 2));
        if (sub === 'capture') {
          const m = await svc.snapshots.capture(org.id, reason, (values.ref as string | undefined) ?? null, 'user:cli');
          if (values.json) json(m);
          else print(io, `${m.id} captured for ${org.name} (policy version ${m.policy_version}, audit seq ${m.audit_seq ?? 0}, sha256 ${m.content_sha256.slice(0, 16)}…)`);
        } else if (sub === 'list') {
          const rows = await svc.snapshots.list(org.id, limit);
          if (values.json) json(rows);
          else if (!rows.length) print(io, `No snapshots for ${org.name} yet.`);
          else print(io, table([['ID', 'CREATED', 'REASON', 'POLICY', 'AUDIT SEQ', 'REF'], ...rows.map((r) => [r.id, r.created_at, r.reason, `v${r.policy_version}`, String(r.audit_seq ?? 0), r.ref ?? ''])]));
        } else if (sub === 'show') {
          json(await svc.snapshots.get(org.id, a!));
        } else if (sub === 'diff') {
          const d = await svc.snapshots.diff(org.id, a!, b!);
          if (values.json) json(d);
          else printDiff(io, d);
        } else {
          const r = await svc.snapshots.restore(org.id, a!, `cli:${String(values.actor ?? 'cli').slice(0, 100)}`);
          if (values.json) json(r);
          else print(io, r.changed ? `Restored ${r.snapshot}: policy version ${r.from_version} -> ${r.to_version}.` : `${r.snapshot} holds the active policy set already (version ${r.to_version}); nothing changed.`);
        }
        return 0;
      } finally {
        await svc.close();
      }
    } finally {
      await store.close();
    }
  },
};
