/**
 * A structured diff of two snapshots: rules and limits by id (with the policy module's
 * readable lines, src/policy/diff.ts), agents by name, servers by name, pinned tools by
 * server/tool hash, configuration by dotted path. Pure.
 */
import { canonicalJson } from '../lib/canonical-json.ts';
import { diffDocuments } from '../policy/diff.ts';
import type { SnapshotContent } from './snapshots.types.ts';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}
export interface ListDiff {
  added: string[];
  removed: string[];
  changed: { id: string; fields: FieldChange[] }[];
}

export interface SnapshotDiff {
  from: { id: string; created_at: string };
  to: { id: string; created_at: string };
  identical: boolean;
  policy: { from_version: number; to_version: number; lines: string[]; rules: ListDiff; limits: ListDiff; defaults_changed: boolean; groups_changed: boolean };
  agents: ListDiff;
  servers: ListDiff;
  tools: { added: string[]; removed: string[]; changed: { tool: string; from_hash: string; to_hash: string; status: string }[] };
  config: FieldChange[];
  audit: { from_seq: number | null; to_seq: number | null };
}

function fields(a: Record<string, unknown>, b: Record<string, unknown>): FieldChange[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k])).map((k) => ({ field: k, from: a[k] ?? null, to: b[k] ?? null }));
}

export function diffList<T>(before: readonly T[], after: readonly T[], key: (x: T) => string): ListDiff {
  const a = new Map(before.map((x) => [key(x), x]));
  const b = new Map(after.map((x) => [key(x), x]));
  const out: ListDiff = { added: [], removed: [], changed: [] };
  for (const id of a.keys()) if (!b.has(id)) out.removed.push(id);
  for (const [id, y] of b) {
    const x = a.get(id);
    if (x === undefined) out.added.push(id);
    else {
      const f = fields(x as Record<string, unknown>, y as Record<string, unknown>);
      if (f.length) out.changed.push({ id, fields: f });
    }
  }
  return out;
}

function flatten(v: unknown, prefix: string, out: Map<string, string>) {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, canonicalJson(v));
}

const empty = (d: ListDiff) => !d.added.length && !d.removed.length && !d.changed.length;

export function diffSnapshots(a: { id: string; created_at: string; content: SnapshotContent }, b: { id: string; created_at: string; content: SnapshotContent }): SnapshotDiff {
  const x = a.content;
  const y = b.content;
  const lines = diffDocuments(x.policy.document, y.policy.document);
  const rules = diffList(x.policy.document.policies.rules, y.policy.document.policies.rules, (r) => r.id);
  const limits = diffList(x.policy.document.rateLimits.limits, y.policy.document.rateLimits.limits, (l) => l.id);
  const agents = diffList(x.agents, y.agents, (g) => g.name);
  const servers = diffList(
    x.servers.map((s) => ({ name: s.name, transport: s.transport, ...s.config })),
    y.servers.map((s) => ({ name: s.name, transport: s.transport, ...s.config })),
    (s) => s.name as string,
  );
  const toolsOf = (c: SnapshotContent) => new Map(c.servers.flatMap((s) => s.tools.map((t) => [`${s.name}/${t.tool}`, t] as const)));
  const ta = toolsOf(x);
  const tb = toolsOf(y);
  const tools: SnapshotDiff['tools'] = { added: [], removed: [], changed: [] };
  for (const k of ta.keys()) if (!tb.has(k)) tools.removed.push(k);
  for (const [k, t] of tb) {
    const s = ta.get(k);
    if (!s) tools.added.push(k);
    else if (s.hash !== t.hash || s.status !== t.status || s.pending_hash !== t.pending_hash) tools.changed.push({ tool: k, from_hash: s.hash, to_hash: t.hash, status: t.status });
  }
  const ca = new Map<string, string>();
  const cb = new Map<string, string>();
  flatten(x.config, '', ca);
  flatten(y.config, '', cb);
  const config: FieldChange[] = [...new Set([...ca.keys(), ...cb.keys()])]
    .sort()
    .filter((k) => ca.get(k) !== cb.get(k))
    .map((k) => ({ field: k, from: ca.has(k) ? JSON.parse(ca.get(k)!) : null, to: cb.has(k) ? JSON.parse(cb.get(k)!) : null }));
  const defaults_changed = canonicalJson(x.policy.document.policies.defaults) !== canonicalJson(y.policy.document.policies.defaults);
  const groups_changed = canonicalJson(x.policy.document.policies.groups) !== canonicalJson(y.policy.document.policies.groups);
  const identical = x.policy.checksum === y.policy.checksum && empty(rules) && empty(limits) && empty(agents) && empty(servers) && !tools.added.length && !tools.removed.length && !tools.changed.length && !config.length && !defaults_changed && !groups_changed;
  return {
    from: { id: a.id, created_at: a.created_at },
    to: { id: b.id, created_at: b.created_at },
    identical,
    policy: { from_version: x.policy.version, to_version: y.policy.version, lines: lines === 'no changes' ? [] : lines.split('\n'), rules, limits, defaults_changed, groups_changed },
    agents,
    servers,
    tools,
    config,
    audit: { from_seq: x.audit.head?.seq ?? null, to_seq: y.audit.head?.seq ?? null },
  };
}
