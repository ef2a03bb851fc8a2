/**
 * Loads rule packs (the built-in YAML files plus user packs), validates them and
 * compiles them into one rule set: program specs and path classes merged across packs,
 * overrides and disabled ids applied. Runs once at startup; errors name the file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { PackSchema, type CmdCondInput, type PackInput, type ProgramSpec, type RuleExample, type RuleInput } from './rules.schema.ts';
import { compileCmdCond, compileSqlCond, compileToolCond, type CmdMatcher, type SqlMatcher, type ToolMatcher } from './rules.match.ts';
import type { RuleOverride, Severity } from './types.ts';

export interface CompiledRule {
  id: string;
  /** Programs the rule can match, when its condition names them all (used to index rules); undefined = any command. */
  programs?: string[];
  pack: string;
  severity: Severity;
  env?: { prod?: Severity; nonprod?: Severity };
  explanation: string;
  cmd?: CmdMatcher;
  sql?: SqlMatcher;
  tool?: ToolMatcher;
  examples: { match: RuleExample[]; no_match: RuleExample[] };
}

export interface RuleSet {
  rules: CompiledRule[];
  cmdRules: CompiledRule[];
  cmdIndex: Map<string, CompiledRule[]>;
  sqlRules: CompiledRule[];
  toolRules: CompiledRule[];
  programs: Map<string, ProgramSpec>;
  pathClasses: Record<string, RegExp[]>;
}

export const BUILTIN_RULES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'rules');

export class RulePackError extends Error {
  readonly code = 'shield_rule_pack_invalid';
}

export function readPack(file: string): PackInput {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RulePackError(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = PackSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RulePackError(`${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid rule pack'}`);
  }
  return parsed.data;
}

export function builtinPackFiles(): string[] {
  return readdirSync(BUILTIN_RULES_DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(BUILTIN_RULES_DIR, f));
}

function mergeSpec(a: ProgramSpec | undefined, b: ProgramSpec): ProgramSpec {
  if (!a) return b;
  const out: ProgramSpec = { ...a, ...b };
  for (const k of ['value_options', 'read_options', 'env_options'] as const) {
    if (a[k] || b[k]) out[k] = [...new Set([...(a[k] ?? []), ...(b[k] ?? [])])];
  }
  if (a.aliases || b.aliases) out.aliases = { ...a.aliases, ...b.aliases };
  return out;
}

export function compileRuleSet(packs: Array<{ file: string; pack: PackInput }>, opts: { overrides?: Record<string, RuleOverride>; disable?: string[] } = {}): RuleSet {
  const programs = new Map<string, ProgramSpec>();
  const pathClasses: Record<string, RegExp[]> = {};
  const byId = new Map<string, CompiledRule>();
  for (const { file, pack } of packs) {
    for (const [name, spec] of Object.entries(pack.programs ?? {})) programs.set(name, mergeSpec(programs.get(name), spec));
    for (const [name, list] of Object.entries(pack.path_classes ?? {})) {
      const compiled = list.map((src) => {
        try {
          return new RegExp(src);
        } catch (e) {
          throw new RulePackError(`${file}: path_classes.${name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      });
      (pathClasses[name] ??= []).push(...compiled);
    }
    for (const r of pack.rules) byId.set(r.id, compileRule(file, pack.pack, r));
  }
  const disabled = new Set(opts.disable ?? []);
  for (const [id, o] of Object.entries(opts.overrides ?? {})) {
    const rule = byId.get(id);
    if (!rule) continue;
    if (o.disabled) disabled.add(id);
    if (o.severity) {
      rule.severity = o.severity;
      delete rule.env;
    }
  }
  const rules = [...byId.values()].filter((r) => !disabled.has(r.id));
  return {
    rules,
    cmdRules: rules.filter((r) => r.cmd),
    cmdIndex: indexByProgram(rules.filter((r) => r.cmd)),
    sqlRules: rules.filter((r) => r.sql),
    toolRules: rules.filter((r) => r.tool),
    programs,
    pathClasses,
  };
}

function compileRule(file: string, pack: string, r: RuleInput): CompiledRule {
  try {
    return {
      id: r.id,
      pack,
      severity: r.severity,
      ...(r.env ? { env: r.env } : {}),
      explanation: r.explanation,
      ...(r.match ? { cmd: compileCmdCond(r.match) } : {}),
      ...(r.match && programsOf(r.match) ? { programs: programsOf(r.match)! } : {}),
      ...(r.sql ? { sql: compileSqlCond(r.sql) } : {}),
      ...(r.tool ? { tool: compileToolCond(r.tool) } : {}),
      examples: { match: r.examples.match ?? [], no_match: r.examples.no_match ?? [] },
    };
  } catch (e) {
    throw new RulePackError(`${file}: rule ${r.id}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function programsOf(c: CmdCondInput): string[] | undefined {
  const exact = (l: string[] | undefined) => (l && l.every((p) => !p.includes('*')) ? l : undefined);
  if (c.program) return exact(c.program);
  if (!c.any || c.any.length === 0) return undefined;
  const parts = c.any.map((a) => (a.program ? exact(a.program) : undefined));
  return parts.every(Boolean) ? [...new Set(parts.flat() as string[])] : undefined;
}

/** Command rules by program name; rules that can match any program are listed under '*'. */
export function indexByProgram(rules: CompiledRule[]): Map<string, CompiledRule[]> {
  const index = new Map<string, CompiledRule[]>([['*', []]]);
  for (const r of rules) {
    for (const p of r.programs ?? ['*']) {
      const list = index.get(p);
      if (list) list.push(r);
      else index.set(p, [r]);
    }
  }
  return index;
}

export function loadRuleSet(extraFiles: string[] = [], opts: { overrides?: Record<string, RuleOverride>; disable?: string[] } = {}): RuleSet {
  const files = [...builtinPackFiles(), ...extraFiles];
  return compileRuleSet(files.map((file) => ({ file, pack: readPack(file) })), opts);
}
