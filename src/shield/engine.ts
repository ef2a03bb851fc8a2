/**
 * analyzeCall, step by step: find the inputs (extract.ts), turn them into commands and
 * SQL facts with the real parsers, run the rule packs over them, name the targets and
 * score. Any error or exceeded budget becomes a fail-closed reason, never an allow.
 */
import { lit, makeCmd, type Cmd, type SqlInput } from './analyzers/command.ts';
import { analyzeCode } from './analyzers/code.ts';
import { analyzeShell, ShieldLimitError, type ShellOut, type WalkCtx } from './analyzers/shell.ts';
import { emitArgv } from './analyzers/shell.nested.ts';
import { analyzeSql, type SqlFact, type SqlResult } from './analyzers/sql.ts';
import { cmdTargets, sqlTargets, TargetSink } from './analyzers/targets.ts';
import type { PathClassifier } from './analyzers/paths.ts';
import type { Extractor } from './config.ts';
import { extractInputs, type CallInputs } from './extract.ts';
import type { CompiledRule, RuleSet } from './rules.loader.ts';
import { CmdView, type Env, type MatchRuntime } from './rules.match.ts';
import { score } from './scoring.ts';
import type { Severity, ShieldCall, ShieldReason, ShieldVerdict, Thresholds } from './types.ts';

export interface EngineDeps {
  rules: RuleSet;
  classify: PathClassifier;
  envOf: (values: string[]) => Env;
  thresholds: Thresholds;
  timeoutMs: number;
  extractors: Extractor[];
  shellCache: Map<string, ShellOut>;
  sqlCache: Map<string, SqlResult>;
}

export interface Analysis {
  verdict: ShieldVerdict;
  inputs?: CallInputs;
  cmds: Cmd[];
  views: CmdView[];
  sql: Array<{ input: SqlInput; result: SqlResult }>;
  env: Env;
}

const CACHE_MAX = 2000;

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

export function severityFor(rule: CompiledRule, env: Env): Severity {
  if (env === 'prod' && rule.env?.prod) return rule.env.prod;
  if (env === 'nonprod' && rule.env?.nonprod) return rule.env.nonprod;
  return rule.severity;
}

function shellOf(text: string, deps: EngineDeps, deadline: number): ShellOut {
  const hit = deps.shellCache.get(text);
  if (hit) return hit;
  const ctx: WalkCtx = { out: { cmds: [], sqls: [], errors: [] }, vars: new Map(), depth: 0, via: [], elevated: false, origin: 'shell', deadline };
  analyzeShell(text, ctx);
  remember(deps.shellCache, text, ctx.out);
  return ctx.out;
}

function sqlOf(text: string, deps: EngineDeps): SqlResult {
  const hit = deps.sqlCache.get(text);
  if (hit) return hit;
  const r = analyzeSql(text);
  remember(deps.sqlCache, text, r);
  return r;
}

export function analyze(call: ShieldCall, deps: EngineDeps): Analysis {
  const deadline = performance.now() + deps.timeoutMs;
  const reasons: ShieldReason[] = [];
  const cmds: Cmd[] = [];
  const sqlInputs: SqlInput[] = [];
  let inputs: CallInputs | undefined;
  let views: CmdView[] = [];
  const sql: Analysis['sql'] = [];
  let env: Env = 'unknown';
  const sink = new TargetSink();
  try {
    inputs = extractInputs(call, deps.extractors);
    env = deps.envOf(inputs.envValues);
    for (const s of inputs.shell) {
      const out = shellOf(s.text, deps, deadline);
      cmds.push(...out.cmds);
      sqlInputs.push(...out.sqls);
      reasons.push(...out.errors);
    }
    const ctx: WalkCtx = { out: { cmds: [], sqls: [], errors: [] }, vars: new Map(), depth: 0, via: [], elevated: false, origin: 'tool', deadline };
    for (const a of inputs.argv) emitArgv(a.words.map(lit), { text: a.words.join(' ').slice(0, 300), upstream: [], redirects: [], envValues: [], stages: [] }, ctx);
    for (const c of inputs.code) analyzeCode(c.lang, c.text, { text: c.text.slice(0, 300), upstream: [], redirects: [], envValues: [], stages: [] }, { ...ctx, origin: 'code' });
    for (const s of inputs.synth) {
      const upstream = s.readsFrom ? [makeCmd('cat', [lit(s.readsFrom)], { origin: 'tool' })] : [];
      ctx.out.cmds.push(makeCmd(s.program, s.args.map(lit), { origin: 'tool', upstream, redirects: s.redirectOut ? [{ dir: 'out', target: s.redirectOut }] : [] }));
    }
    cmds.push(...ctx.out.cmds);
    sqlInputs.push(...ctx.out.sqls);
    reasons.push(...ctx.out.errors);
    for (const s of inputs.sql) sqlInputs.push({ sql: s.text, origin: 'tool', context: [] });

    const rt: MatchRuntime = { programs: deps.rules.programs, classify: deps.classify, envOf: deps.envOf, callEnv: env };
    views = cmds.map((c) => new CmdView(c, rt));
    const best = new Map<string, ShieldReason>();
    const note = (r: ShieldReason) => {
      const prev = best.get(r.rule);
      if (!prev || SEV_ORDER[r.severity] > SEV_ORDER[prev.severity]) best.set(r.rule, r);
    };
    // A command asked for its help text does nothing else.
    const active = views.filter((v) => !v.cmd.args.some((a) => a.text === '--help' || a.text === '-help'));
    const anyProgram = deps.rules.cmdIndex.get('*') ?? [];
    for (const v of active) {
      const own = deps.rules.cmdIndex.get(v.cmd.program);
      for (const list of own ? [own, anyProgram] : [anyProgram]) {
        for (const rule of list) {
          if (rule.cmd!(v)) note({ rule: rule.id, severity: severityFor(rule, v.env), message: rule.explanation, match: v.cmd.text.slice(0, 200) });
        }
      }
    }
    for (const input of sqlInputs) {
      const result = sqlOf(input.sql, deps);
      sql.push({ input, result });
      const sqlEnv: Env = env === 'prod' ? 'prod' : deps.envOf(input.context) === 'prod' ? 'prod' : env === 'nonprod' || deps.envOf(input.context) === 'nonprod' ? 'nonprod' : 'unknown';
      if (!result.parsed) {
        const readOnly = result.facts.every((f) => f.stmt === 'select');
        note(readOnly
          ? { rule: 'sql.unparsed-readonly', severity: 'info', message: 'not PostgreSQL syntax; read as read-only by its keywords', match: input.sql.slice(0, 120) }
          : { rule: 'sql.parse-error', severity: 'medium', message: `SQL could not be parsed: ${result.error ?? ''}`.slice(0, 200), match: input.sql.slice(0, 120) });
      }
      for (const fact of result.facts) {
        for (const rule of deps.rules.sqlRules) {
          if (rule.sql!(fact, sqlEnv)) note({ rule: rule.id, severity: severityFor(rule, sqlEnv), message: rule.explanation, match: fact.text.slice(0, 200) });
        }
      }
      sqlTargets(result.facts, input.context, sink);
    }
    for (const rule of deps.rules.toolRules) {
      if (rule.tool!(call.server, call.tool, env)) note({ rule: rule.id, severity: severityFor(rule, env), message: rule.explanation, match: call.tool });
    }
    // info-level matches only exist to be raised by the environment; they are not reported.
    reasons.push(...[...best.values()].filter((r) => r.severity !== 'info'));
    for (const v of views) cmdTargets(v, sink);
    if (performance.now() > deadline) throw new ShieldLimitError('shield.timeout', 'analysis time budget exceeded');
  } catch (e) {
    const rule = e instanceof ShieldLimitError ? e.rule : 'shield.error';
    const message = e instanceof ShieldLimitError ? e.message : `analyzer error: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300);
    reasons.push({ rule, severity: 'medium', message });
  }
  reasons.sort((a, b) => SEV_ORDER[b.severity] - SEV_ORDER[a.severity]);
  const s = score(reasons, deps.thresholds, call.sessionRisk ?? 0);
  return { verdict: { ...s, reasons, targets: sink.list }, ...(inputs ? { inputs } : {}), cmds, views, sql, env };
}

const SEV_ORDER: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function explain(a: Analysis): unknown {
  return {
    verdict: a.verdict,
    environment: a.env,
    inputs: a.inputs,
    commands: a.views.map((v) => ({
      program: v.cmd.program,
      args: v.cmd.args.map((w) => (w.dyn ? { text: w.text, dynamic: true } : w.text)),
      origin: v.cmd.origin,
      via: v.cmd.via,
      ...(v.cmd.remote ? { remote: v.cmd.remote } : {}),
      ...(v.cmd.elevated ? { elevated: true } : {}),
      env: v.env,
      positionals: v.parsed.positionals,
      flags: [...v.parsed.flags],
      reads: [...v.reads],
      writes: [...v.writes],
      pathClasses: [...v.pathArgs],
      urlClasses: [...v.urlClasses],
      redirects: v.cmd.redirects,
      upstream: v.upstream.map((u) => u.cmd.program),
    })),
    sql: a.sql.map((s) => ({ sql: s.input.sql.slice(0, 500), parsed: s.result.parsed, ...(s.result.error ? { error: s.result.error } : {}), statements: s.result.facts as SqlFact[] })),
  };
}
