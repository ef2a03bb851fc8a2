import { userInfo } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, Io } from './args.ts';
import { print, table } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import type { LoadedConfig } from '../config/load.ts';
import { createAgentService, DEFAULT_ORG } from '../identity/agents.service.ts';
import { agentsRepo } from '../identity/agents.repo.ts';
import { createShieldFromConfig } from '../shield/index.ts';
import { silentLogger } from '../lib/logger.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { parseDuration } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import { parseDocumentText, PolicyDocumentSchema, type PolicyDocument } from '../policy/document.ts';
import { compilePolicy } from '../policy/compile.ts';
import { explain } from '../policy/evaluate.ts';
import { combine } from '../policy/combine.ts';
import { simulate, toRecordedCall, type DecisionChange } from '../policy/simulate.ts';
import { createPolicyService } from '../policy/policy.service.ts';
import { policyRepo } from '../policy/policy.repo.ts';

const USAGE = `Usage:
  flowlink policy explain --agent A --server S --tool T [--args JSON] [--file] [--json]
      every rule considered for this call and why the decision came out as it did
      (the stored active version; --file: the policies in the config file instead)
  flowlink policy test --candidate FILE [--since 7d] [--limit N] [--json]
      replay recorded calls against FILE's policies; print newly blocked / allowed / needing approval
  flowlink policy versions [--json]
  flowlink policy rollback N [--actor NAME]
Common: [--config FILE] [--data DIR]`;

const MAX_REPLAY = 100_000;

function serverLabels(loaded: LoadedConfig) {
  return (s: string) => loaded.config.servers[s]?.labels;
}

/** The stored active document, else the config file's policy sections (or an empty set). */
async function activeDocument(store: Store, loaded: LoadedConfig, fromFile: boolean): Promise<{ doc: PolicyDocument; label: string }> {
  if (!fromFile) {
    const latest = await policyRepo.latest(store, 'default');
    if (latest) return { doc: latest.document, label: `version ${latest.version} (${latest.source}, ${latest.actor})` };
  }
  if (loaded.file) {
    const r = parseDocumentText(readFileSync(loaded.file, 'utf8'), loaded.file);
    if (!r.ok) throw r.error;
    return { doc: r.value, label: loaded.file };
  }
  return { doc: PolicyDocumentSchema.parse({}), label: 'no policies (empty set)' };
}

async function explainCmd(values: Record<string, unknown>, io: Io, loaded: LoadedConfig, store: Store): Promise<number> {
  for (const k of ['agent', 'server', 'tool']) if (typeof values[k] !== 'string') throw new FlowLinkError('invalid_params', `--${k} is required\n\n${USAGE}`);
  let args: Record<string, unknown> = {};
  if (values.args !== undefined) {
    try {
      args = JSON.parse(values.args as string) as Record<string, unknown>;
    } catch (err) {
      throw new FlowLinkError('invalid_params', `--args is not valid JSON: ${(err as Error).message}`);
    }
    if (!args || typeof args !== 'object' || Array.isArray(args)) throw new FlowLinkError('invalid_params', '--args must be a JSON object');
  }
  const org = await createAgentService({ store }).ensureOrg(DEFAULT_ORG);
  const agent = await agentsRepo.byName(store, org.id, values.agent as string);
  const { doc, label } = await activeDocument(store, loaded, values.file === true);
  const server = values.server as string;
  const labels = serverLabels(loaded)(server);
  const shield = await createShieldFromConfig(loaded.config.shield, loaded.baseDir);
  const verdict = shield.analyzeCall({ agent: values.agent as string, server, tool: values.tool as string, arguments: args, ...(labels ? { serverLabels: labels } : {}) });
  const e = explain(compilePolicy(doc.policies), { org: org.id, orgName: org.name, agent: values.agent as string, agentLabels: agent?.labels, server, tool: values.tool as string, serverLabels: labels, arguments: args, shield: verdict });
  const final = combine(e.decision, verdict, loaded.config.shield.thresholds);
  if (values.json) return print(io, JSON.stringify({ policySet: label, final, shield: verdict, ...e })), 0;
  const lines = [
    `Policy set: ${label}`,
    `Call: agent ${values.agent as string}${agent ? '' : ' (not registered: no labels)'} → ${server}__${values.tool as string}${labels && Object.keys(labels).length ? ` (server labels ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')})` : ''}`,
    `Shield: ${verdict.verdict} (risk ${verdict.risk}, ${verdict.severity})${verdict.reasons.length ? ': ' + verdict.reasons.map((r) => r.rule).join(', ') : ''}`,
    `Facts: paths [${e.facts.paths.join(', ')}] hosts [${e.facts.hosts.join(', ')}] namespaces [${e.facts.namespaces.join(', ')}] sql [${e.facts.sql.join(', ')}]`,
    '',
    'Rules, in evaluation order:',
  ];
  if (!e.rules.length) lines.push('  (none)');
  for (const r of e.rules) {
    lines.push(`  ${r.matched ? '✔' : '✘'} ${r.rule}  [${r.effect}, priority ${r.priority}${r.indexed ? '' : ', not a candidate for this server/tool'}]`);
    for (const c of r.checks) lines.push(`      ${c}`);
  }
  lines.push('', `Policy: ${e.decision.effect} ${e.decision.rule ? `by rule "${e.decision.rule}"` : `(${e.posture.why})`}${e.decision.audit.length ? `; audit-only: ${e.decision.audit.join(', ')}` : ''}`);
  if (final.waived) lines.push(`Exception: "${final.waived.rule}" waives ${final.waived.shieldRules.join(', ')} (${final.waived.justification}); Shield ${final.waived.shieldBefore} → ${final.waived.shieldAfter}`);
  lines.push(`Final: ${final.effect.toUpperCase()} (${final.by === 'both' ? 'policy and Shield agree' : `set by ${final.by}`})`);
  print(io, lines.join('\n'));
  return 0;
}

async function testCmd(values: Record<string, unknown>, io: Io, loaded: LoadedConfig, store: Store): Promise<number> {
  if (typeof values.candidate !== 'string') throw new FlowLinkError('invalid_params', `--candidate FILE is required\n\n${USAGE}`);
  const since = values.since === undefined ? 7 * 86_400_000 : /^\d+(ms|s|m|h|d)$/.test(values.since as string) ? parseDuration(values.since as string) : NaN;
  if (!Number.isFinite(since)) throw new FlowLinkError('invalid_params', '--since must be a duration such as 24h or 7d');
  const limit = values.limit === undefined ? MAX_REPLAY : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REPLAY) throw new FlowLinkError('invalid_params', `--limit must be a whole number from 1 to ${MAX_REPLAY}`);
  const file = resolve(io.cwd, values.candidate);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlowLinkError('invalid_params', `${file}: ${(err as Error).message}`);
  }
  const cand = parseDocumentText(text, file);
  if (!cand.ok) throw cand.error;
  const base = await activeDocument(store, loaded, false);
  const org = await createAgentService({ store }).ensureOrg(DEFAULT_ORG);
  const rows = await policyRepo.recordedCalls(store, { since: new Date(Date.now() - since), limit });
  const calls = rows.map((r) => toRecordedCall(r, serverLabels(loaded), r.org_id === org.id ? org.name : undefined));
  const result = simulate(compilePolicy(cand.value.policies), compilePolicy(base.doc.policies), calls, { thresholds: loaded.config.shield.thresholds });
  if (values.json) return print(io, JSON.stringify({ baseline: base.label, candidate: file, ...result })), 0;
  const section = (title: string, xs: DecisionChange[]) => {
    if (!xs.length) return [`${title}: none`];
    return [`${title}: ${xs.length}`, table([['TIME', 'AGENT', 'CALL', 'BEFORE', 'AFTER', 'RULE / REASON'], ...xs.slice(0, 200).map((c) => [c.at.slice(0, 19).replace('T', ' '), c.agent, `${c.server}__${c.tool}`, c.before, c.after, `${c.afterRule ?? '(default)'}: ${c.reason}`.slice(0, 100)])]), ...(xs.length > 200 ? [`  … ${xs.length - 200} more (use --json)`] : [])];
  };
  print(io, [`Replayed ${result.total} calls since ${new Date(Date.now() - since).toISOString().slice(0, 19).replace('T', ' ')} against ${file} (baseline: ${base.label})`, `Unchanged: ${result.unchanged}${result.ruleChanged ? ` (${result.ruleChanged} decided by a different rule)` : ''}`, '', ...section('Newly blocked', result.newlyBlocked), '', ...section('Newly allowed', result.newlyAllowed), '', ...section('Needs approval', result.needsApproval)].join('\n'));
  return 0;
}

export const policyCommand: Command = {
  name: 'policy',
  summary: 'Explain, test, list and roll back policies',
  usage: USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    data: { type: 'string' },
    json: { type: 'boolean' },
    agent: { type: 'string' },
    server: { type: 'string' },
    tool: { type: 'string' },
    args: { type: 'string' },
    file: { type: 'boolean' },
    candidate: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string', short: 'n' },
    actor: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const [sub, arg] = positionals;
    if (!sub || !['explain', 'test', 'versions', 'rollback'].includes(sub)) throw new FlowLinkError('invalid_params', `${sub ? `unknown subcommand "${sub}"` : 'a subcommand is required'}\n\n${USAGE}`);
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      if (sub === 'explain') return await explainCmd(values, io, loaded, store);
      if (sub === 'test') return await testCmd(values, io, loaded, store);
      const svc = createPolicyService({ store, logger: silentLogger });
      if (sub === 'versions') {
        const vs = await svc.versions(100);
        if (values.json) return vs.forEach((v) => print(io, JSON.stringify(v))), 0;
        if (!vs.length) return print(io, 'No policy versions stored yet.'), 0;
        print(io, table([['VERSION', 'WHEN', 'SOURCE', 'WHO', 'CHANGES'], ...vs.map((v) => [String(v.version), new Date(v.created_at).toISOString().slice(0, 19).replace('T', ' '), v.source + (v.rolled_back_to ? ` (to ${v.rolled_back_to})` : ''), v.actor, v.diff.split('\n')[0]!.slice(0, 80) + (v.diff.includes('\n') ? ` (+${v.diff.split('\n').length - 1} more)` : '')])]));
        return 0;
      }
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 1) throw new FlowLinkError('invalid_params', `rollback needs a version number\n\n${USAGE}`);
      const actor = (values.actor as string | undefined) ?? `cli:${userInfo().username}`;
      const active = await svc.rollback(n, actor);
      print(io, `Rolled back to version ${n}: now version ${active.version} (the running gateways follow within a second).`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
