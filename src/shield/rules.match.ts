/**
 * Compiles rule conditions into predicates, and the lazily computed view of a command
 * they read (parsed arguments, file roles, path and URL classes, environment).
 */
import { fileRoles, parseArgs, type ParsedArgs } from './analyzers/argv.ts';
import type { Cmd } from './analyzers/command.ts';
import type { PathClassifier } from './analyzers/paths.ts';
import type { SqlFact } from './analyzers/sql.ts';
import { parseUrl } from './analyzers/urls.ts';
import type { ProgramSpec, CmdCondInput, SqlCondInput, ToolCondInput } from './rules.schema.ts';

export type Env = 'prod' | 'nonprod' | 'unknown';

export interface MatchRuntime {
  programs: Map<string, ProgramSpec>;
  classify: PathClassifier;
  envOf: (values: string[]) => Env;
  /** Environment known from the call itself (server labels, server name, tool arguments). */
  callEnv: Env;
}

const ENV_DUMP_PROGRAMS = new Set(['env', 'printenv', 'set', 'compgen']);

export class CmdView {
  private _parsed?: ParsedArgs;
  private _reads?: Set<string>;
  private _writes?: Set<string>;
  private _pathArgs?: Set<string>;
  private _urls?: Set<string>;
  private _env?: Env;
  private _upstream?: CmdView[];

  constructor(readonly cmd: Cmd, readonly rt: MatchRuntime) {}

  get spec(): ProgramSpec | undefined {
    return this.rt.programs.get(this.cmd.program);
  }

  get parsed(): ParsedArgs {
    return (this._parsed ??= parseArgs(this.cmd, this.spec));
  }

  private classesOf(paths: Iterable<string>): Set<string> {
    const out = new Set<string>();
    for (const p of paths) for (const c of this.rt.classify(p)) out.add(c);
    return out;
  }

  get pathArgs(): Set<string> {
    return (this._pathArgs ??= this.classesOf(this.parsed.positionals));
  }

  get reads(): Set<string> {
    if (this._reads) return this._reads;
    const { reads } = fileRoles(this.parsed, this.spec);
    const out = this.classesOf([...reads, ...this.cmd.redirects.filter((r) => r.dir === 'in').map((r) => r.target)]);
    const p = this.cmd.program;
    if ((ENV_DUMP_PROGRAMS.has(p) && this.parsed.positionals.length === 0) || ((p === 'export' || p === 'declare') && this.parsed.positionals.length === 0)) out.add('env-dump');
    return (this._reads = out);
  }

  get writes(): Set<string> {
    if (this._writes) return this._writes;
    const { writes } = fileRoles(this.parsed, this.spec);
    return (this._writes = this.classesOf([...writes, ...this.cmd.redirects.filter((r) => r.dir === 'out').map((r) => r.target)]));
  }

  get urlClasses(): Set<string> {
    if (this._urls) return this._urls;
    const out = new Set<string>();
    const bare = !!this.spec?.url_args;
    for (const w of this.parsed.positionals) parseUrl(w, bare)?.classes.forEach((c) => out.add(c));
    for (const w of this.parsed.optionValues) parseUrl(w, false)?.classes.forEach((c) => out.add(c));
    return (this._urls = out);
  }

  get env(): Env {
    if (this._env) return this._env;
    const values = [...this.cmd.envValues, ...this.parsed.positionals];
    for (const o of this.spec?.env_options ?? []) values.push(...(this.parsed.options.get(o) ?? []));
    if (this.cmd.remote) values.push(this.cmd.remote);
    const own = this.rt.envOf(values);
    const call = this.rt.callEnv;
    return (this._env = own === 'prod' || call === 'prod' ? 'prod' : own === 'nonprod' || call === 'nonprod' ? 'nonprod' : 'unknown');
  }

  /** Everything that feeds this command, transitively (bounded). */
  get upstream(): CmdView[] {
    if (this._upstream) return this._upstream;
    const seen = new Set<Cmd>();
    const out: CmdView[] = [];
    const visit = (c: Cmd, depth: number) => {
      for (const u of c.upstream) {
        if (seen.has(u) || out.length > 64) continue;
        seen.add(u);
        out.push(new CmdView(u, this.rt));
        if (depth < 4) visit(u, depth + 1);
      }
    };
    visit(this.cmd, 0);
    return (this._upstream = out);
  }
}

export type CmdMatcher = (v: CmdView) => boolean;
export type SqlMatcher = (f: SqlFact, env: Env) => boolean;
export type ToolMatcher = (server: string, tool: string, env: Env) => boolean;

/** Rule regexes may start with `(?i)` for case-insensitive matching (JavaScript has no inline flags). */
export function ruleRegex(src: string): RegExp {
  return src.startsWith('(?i)') ? new RegExp(src.slice(4), 'i') : new RegExp(src);
}

function globSet(list: string[]): (s: string) => boolean {
  const exact = new Set(list.filter((p) => !p.includes('*')));
  const globs = list.filter((p) => p.includes('*')).map((p) => new RegExp('^' + p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$'));
  return (s) => exact.has(s) || globs.some((g) => g.test(s));
}

const intersects = (a: Set<string>, b: string[]) => b.some((x) => a.has(x));

export function compileCmdCond(c: CmdCondInput): CmdMatcher {
  const checks: CmdMatcher[] = [];
  if (c.program) {
    const m = globSet(c.program);
    checks.push((v) => m(v.cmd.program));
  }
  let subs: Array<Array<(s: string) => boolean>> | undefined;
  if (c.sub) subs = c.sub.map((alt) => alt.split(/\s+/).map((w) => globSet([w])));
  const rest = (v: CmdView): string[] | undefined => {
    const pos = v.parsed.positionals;
    if (!subs) return pos;
    for (const alt of subs) {
      if (alt.length <= pos.length && alt.every((m, i) => m(pos[i]!))) return pos.slice(alt.length);
    }
    return undefined;
  };
  if (subs) checks.push((v) => rest(v) !== undefined);
  if (c.sub_any) {
    const m = globSet(c.sub_any);
    checks.push((v) => v.parsed.positionals.some(m));
  }
  if (c.flags_any) {
    const f = c.flags_any;
    checks.push((v) => f.some((x) => v.parsed.flags.has(x)));
  }
  if (c.flags_all) {
    const f = c.flags_all;
    checks.push((v) => f.every((x) => v.parsed.flags.has(x)));
  }
  if (c.flags_none) {
    const f = c.flags_none;
    checks.push((v) => !f.some((x) => v.parsed.flags.has(x)));
  }
  if (c.option) {
    const opts = Object.entries(c.option).map(([names, re]) => ({ names: names.split('|'), re: re === '*' ? undefined : ruleRegex(re) }));
    checks.push((v) => opts.every((o) => o.names.some((n) => (v.parsed.options.get(n) ?? []).some((val) => !o.re || o.re.test(val)) || (!o.re && v.parsed.flags.has(n)))));
  }
  if (c.arg_any) {
    const re = ruleRegex(c.arg_any);
    checks.push((v) => (rest(v) ?? []).some((a) => re.test(a)));
  }
  if (c.text_regex) {
    const re = ruleRegex(c.text_regex);
    checks.push((v) => re.test([v.cmd.program, ...v.cmd.args.map((a) => a.text)].join(' ')));
  }
  if (c.nargs_max !== undefined) {
    const n = c.nargs_max;
    checks.push((v) => (rest(v) ?? []).length <= n);
  }
  if (c.nargs_min !== undefined) {
    const n = c.nargs_min;
    checks.push((v) => (rest(v) ?? []).length >= n);
  }
  if (c.path_args) {
    const l = c.path_args;
    checks.push((v) => intersects(v.pathArgs, l));
  }
  if (c.reads) {
    const l = c.reads;
    checks.push((v) => intersects(v.reads, l));
  }
  if (c.writes) {
    const l = c.writes;
    checks.push((v) => intersects(v.writes, l));
  }
  if (c.redirect_any) {
    const re = ruleRegex(c.redirect_any);
    checks.push((v) => v.cmd.redirects.some((r) => re.test(r.target)));
  }
  if (c.upstream_any) {
    const m = globSet(c.upstream_any);
    checks.push((v) => v.upstream.some((u) => m(u.cmd.program)));
  }
  if (c.upstream_reads) {
    const l = c.upstream_reads;
    checks.push((v) => v.upstream.some((u) => intersects(u.reads, l)));
  }
  if (c.url_class) {
    const l = c.url_class;
    checks.push((v) => intersects(v.urlClasses, l));
  }
  if (c.origin) {
    const l = c.origin;
    checks.push((v) => l.includes(v.cmd.origin));
  }
  if (c.elevated !== undefined) {
    const e = c.elevated;
    checks.push((v) => v.cmd.elevated === e);
  }
  if (c.env) {
    const e = c.env;
    checks.push((v) => v.env === e);
  }
  if (c.any) {
    const alts = c.any.map(compileCmdCond);
    checks.push((v) => alts.some((a) => a(v)));
  }
  if (c.unless) {
    const u = compileCmdCond(c.unless);
    checks.push((v) => !u(v));
  }
  return (v) => checks.every((f) => f(v));
}

export function compileSqlCond(c: SqlCondInput): SqlMatcher {
  const checks: SqlMatcher[] = [];
  const list = (l: string[] | undefined, get: (f: SqlFact) => string[]) => {
    if (!l) return;
    const m = globSet(l.map((x) => x.toLowerCase()));
    checks.push((f) => get(f).some((x) => m(x.toLowerCase())));
  };
  list(c.stmt, (f) => [f.stmt]);
  list(c.object, (f) => (f.object ? [f.object] : []));
  list(c.function_any, (f) => f.functions);
  list(c.role_option, (f) => f.roleOptions);
  list(c.privilege_any, (f) => f.privileges);
  list(c.grantee_any, (f) => f.grantees);
  list(c.role_any, (f) => f.roles);
  list(c.language_any, (f) => f.languages);
  if (c.no_where !== undefined) {
    const nw = c.no_where;
    checks.push((f) => !!f.noWhere === nw);
  }
  if (c.env) {
    const e = c.env;
    checks.push((_f, env) => env === e);
  }
  return (f, env) => checks.every((x) => x(f, env));
}

export function compileToolCond(c: ToolCondInput): ToolMatcher {
  const name = new RegExp(c.name_regex, 'i');
  const server = c.server_regex ? new RegExp(c.server_regex, 'i') : undefined;
  return (s, t, env) => name.test(t) && (!server || server.test(s)) && (!c.env || c.env === env);
}
