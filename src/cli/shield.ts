/**
 * `flowlink shield check [--config F] [--explain]`: offline Shield. Reads JSON Lines on
 * stdin and writes exactly one JSON line per input line, in order:
 *   {"type":"call","server":..,"tool":..,"arguments":{..}}        (no "type" means call)
 *   {"type":"tool","server":..,"tool":{"name":..,"description":..,"inputSchema":..}}
 *   {"type":"result","server":..,"tool":..,"content":[..]}
 * A malformed line yields {"error": "..."} and the run continues. Exit code 0, or 2 when
 * the config file cannot be used.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseYaml } from 'yaml';
import { createShieldFromConfig, ShieldConfigSchema, type Shield, type ShieldCall, type ShieldConfig } from '../shield/index.ts';
import { score } from '../shield/scoring.ts';
import { DEFAULT_THRESHOLDS } from '../shield/scoring.ts';
import type { Command } from './args.ts';
import { print, table } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { createAgentService, DEFAULT_ORG } from '../identity/agents.service.ts';
import { createAuditWriter } from '../audit/audit.writer.ts';
import { createPinService } from '../shield/pins.service.ts';
import { FlowLinkError } from '../lib/errors.ts';

export interface ShieldCheckOptions {
  config?: string;
  explain?: boolean;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
}

const MAX_LINE = 8 * 1024 * 1024;

function loadShieldConfig(file: string): ShieldConfig {
  const doc = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  const section = doc && typeof doc === 'object' ? doc.shield : undefined;
  const parsed = ShieldConfigSchema.safeParse(section ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: shield.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function handleLine(shield: Shield, line: string, explain: boolean, thresholds = DEFAULT_THRESHOLDS): unknown {
  if (line.length > MAX_LINE) return { error: `line longer than ${MAX_LINE} bytes` };
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    return { error: `invalid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!isObj(msg)) return { error: 'each line must be a JSON object' };
  const type = msg.type ?? 'call';
  if (typeof msg.server !== 'string') return { error: 'missing "server" (string)' };
  switch (type) {
    case 'call': {
      if (typeof msg.tool !== 'string') return { error: 'missing "tool" (string)' };
      if (msg.arguments !== undefined && !isObj(msg.arguments)) return { error: '"arguments" must be an object' };
      const call: ShieldCall = {
        server: msg.server,
        tool: msg.tool,
        arguments: (msg.arguments as Record<string, unknown>) ?? {},
        ...(typeof msg.agent === 'string' ? { agent: msg.agent } : {}),
        ...(isObj(msg.serverLabels) ? { serverLabels: msg.serverLabels as Record<string, string> } : {}),
        ...(typeof msg.sessionRisk === 'number' ? { sessionRisk: msg.sessionRisk } : {}),
        ...(isObj(msg.toolSchema) ? { toolSchema: msg.toolSchema } : {}),
      };
      return explain ? shield.explainCall(call) : shield.analyzeCall(call);
    }
    case 'tool': {
      if (!isObj(msg.tool) || typeof msg.tool.name !== 'string') return { error: '"tool" must be an object with a "name"' };
      const scan = shield.scanToolDefinition(msg.server, msg.tool as { name: string });
      const s = score(scan.findings, thresholds);
      return { verdict: s.verdict, risk: s.risk, severity: s.severity, reasons: scan.findings, targets: [], hash: scan.hash, findings: scan.findings };
    }
    case 'result': {
      if (!Array.isArray(msg.content)) return { error: '"content" must be an array' };
      const scan = shield.scanResult(msg.server, typeof msg.tool === 'string' ? msg.tool : '', msg.content);
      // Redacted secrets are already handled; what is left to decide on is injection.
      const deciding = scan.findings.filter((f) => f.rule !== 'secrets.redacted');
      const s = score(deciding, thresholds);
      const verdict = scan.injection && s.verdict === 'allow' ? 'approve' : s.verdict;
      return { verdict, risk: s.risk, severity: s.severity, reasons: scan.findings, targets: [], content: scan.content, findings: scan.findings, redactions: scan.redactions, injection: scan.injection };
    }
    default:
      return { error: `unknown type ${JSON.stringify(type)} (expected call, tool or result)` };
  }
}

export async function runShieldCheck(opts: ShieldCheckOptions): Promise<number> {
  let config: ShieldConfig = ShieldConfigSchema.parse({});
  if (opts.config) {
    try {
      config = loadShieldConfig(opts.config);
    } catch (e) {
      opts.stdout.write(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }) + '\n');
      return 2;
    }
  }
  const base = opts.config ? dirname(resolve(opts.config)) : process.cwd();
  let shield: Shield;
  try {
    shield = await createShieldFromConfig(config, base);
  } catch (e) {
    opts.stdout.write(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }) + '\n');
    return 2;
  }
  const rl = createInterface({ input: opts.stdin, crlfDelay: Infinity });
  for await (const raw of rl) {
    const line = raw.trim();
    if (!line) continue;
    let out: unknown;
    try {
      out = handleLine(shield, line, !!opts.explain, config.thresholds ?? DEFAULT_THRESHOLDS);
    } catch (e) {
      out = { error: `internal error: ${e instanceof Error ? e.message : String(e)}` };
    }
    opts.stdout.write(JSON.stringify(out) + '\n');
  }
  return 0;
}


export const shieldCommand: Command = {
  name: 'shield',
  summary: 'Check calls offline; review pinned and quarantined tools',
  usage: `Usage:
  flowlink shield check [--config F] [--explain]   JSON Lines in (call | tool | result), one JSON line out per line
  flowlink shield pins [--all] [--json]            quarantined tools (with --all: every pinned tool) and their findings
  flowlink shield approve SERVER TOOL              approve a quarantined tool's current definition
Common: [--config FILE] [--data DIR]`,
  options: { config: { type: 'string', short: 'c' }, data: { type: 'string' }, explain: { type: 'boolean' }, json: { type: 'boolean' }, all: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    const [sub, server, tool] = positionals;
    if (sub === 'check') return runShieldCheck({ ...(values.config ? { config: values.config as string } : {}), explain: !!values.explain, stdin: io.stdin, stdout: io.stdout });
    if (sub !== 'pins' && sub !== 'approve') throw new FlowLinkError('invalid_params', `unknown or missing subcommand "${sub ?? ''}"\n\n${shieldCommand.usage}`);
    if (sub === 'approve' && (!server || !tool)) throw new FlowLinkError('invalid_params', `shield approve needs SERVER and TOOL\n\n${shieldCommand.usage}`);
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const org = await createAgentService({ store }).ensureOrg(DEFAULT_ORG);
      const audit = createAuditWriter({ store });
      // Listing and approving need no analysis: a Shield stub that is never called.
      const pins = createPinService({ store, audit, shield: undefined as never });
      if (sub === 'approve') {
        const row = await pins.approve(org.id, server!, tool!, 'cli');
        print(io, values.json ? JSON.stringify({ server: row.server, tool: row.tool, status: row.status, hash: row.hash }) : `Approved "${tool}" on "${server}" (definition ${row.hash.slice(0, 12)}). Running instances pick it up at once.`);
      } else {
        const rows = (await pins.list(org.id)).filter((r) => values.all || r.status === 'quarantined');
        if (values.json) {
          for (const r of rows) print(io, JSON.stringify({ server: r.server, tool: r.tool, status: r.status, hash: r.hash, pendingHash: r.pending_hash, findings: r.pending_findings ?? r.findings, firstSeen: r.first_seen, changedAt: r.changed_at, description: (r.pending_definition ?? r.definition).description ?? null }));
        } else if (!rows.length) print(io, values.all ? 'No tools pinned yet.' : 'No quarantined tools.');
        else print(io, table([['SERVER', 'TOOL', 'STATUS', 'WHY', 'FINDINGS'], ...rows.map((r) => [r.server, r.tool, r.status, r.status === 'approved' ? '' : r.pending_hash ? 'definition changed' : 'flagged at first sight', (r.pending_findings ?? r.findings).map((f) => f.rule).join(', ')])]));
      }
      await audit.close();
      return 0;
    } finally {
      await store.close();
    }
  },
};
