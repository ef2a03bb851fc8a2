/**
 * Rule conditions (`when:`) compiled into predicates. Each has a fast `test` for
 * evaluation and a `show` that says what was compared, for explain().
 */
import { compileGlobs, type Matcher } from './glob.ts';
import { gatherFacts } from './facts.ts';
import type { RuleWhen, TimeWindow } from './policy.schema.ts';
import type { Facts, PolicyInput } from './policy.types.ts';

const SEVERITY_RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const DAY_INDEX: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Per-evaluation state: facts are gathered at most once, and only if a condition needs them. */
export class EvalContext {
  private factsCache: Facts | undefined;
  readonly now: number;
  constructor(readonly input: PolicyInput, now: number) {
    this.now = input.now ?? now;
  }
  get facts(): Facts {
    return (this.factsCache ??= gatherFacts(this.input.arguments, this.input.shield));
  }
}

export interface Condition {
  key: string;
  test(ctx: EvalContext): boolean;
  show(ctx: EvalContext): string;
}

const list = (xs: readonly unknown[]) => (xs.length ? xs.map((x) => JSON.stringify(x)).join(', ') : 'none');

function factCondition(key: keyof Facts, globs: string[], opts: { mode?: 'name' | 'path'; caseInsensitive?: boolean }): Condition {
  const m = compileGlobs(globs, opts);
  return {
    key,
    test: (ctx) => ctx.facts[key].some(m),
    show: (ctx) => `${key} ${list(globs)} vs call's ${key} [${list(ctx.facts[key])}]`,
  };
}

/** Reads `a.b.0.c` from the arguments; scalars become text, arrays yield each element. */
export function argValues(args: Record<string, unknown> | undefined, path: string): string[] {
  let cur: unknown = args;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return [];
    cur = (cur as Record<string, unknown>)[seg];
  }
  const out: string[] = [];
  for (const v of Array.isArray(cur) ? cur : [cur]) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  }
  return out;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** formatToParts costs microseconds; the answer only changes once a minute, so the last one per zone is kept. */
const lastClock = new Map<string, { minuteKey: number; value: { day: number; minute: number } }>();
function clockIn(tz: string, at: number): { day: number; minute: number } {
  const minuteKey = Math.floor(at / 60_000);
  const hit = lastClock.get(tz);
  if (hit && hit.minuteKey === minuteKey) return hit.value;
  const value = clockInUncached(tz, at);
  lastClock.set(tz, { minuteKey, value });
  return value;
}
function clockInUncached(tz: string, at: number): { day: number; minute: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  let day = 0;
  let h = 0;
  let m = 0;
  for (const p of f.formatToParts(at)) {
    if (p.type === 'weekday') day = WEEKDAY[p.value] ?? 0;
    else if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') m = Number(p.value);
  }
  return { day, minute: h * 60 + m };
}

export function inWindow(w: TimeWindow, at: number): boolean {
  const { day, minute } = clockIn(w.timezone, at);
  let dayToCheck = day;
  if (w.hours) {
    const [a, b] = w.hours.split('-') as [string, string];
    const start = Number(a.slice(0, 2)) * 60 + Number(a.slice(3));
    const end = Number(b.slice(0, 2)) * 60 + Number(b.slice(3));
    if (start <= end) {
      if (minute < start || minute >= end) return false;
    } else {
      // Wraps past midnight: the early-morning part belongs to the previous day's window.
      if (minute < start && minute >= end) return false;
      if (minute < end) dayToCheck = (day + 6) % 7;
    }
  }
  return !w.days || w.days.some((d) => DAY_INDEX[d] === dayToCheck);
}

export function compileConditions(when: RuleWhen | undefined): Condition[] {
  if (!when) return [];
  const out: Condition[] = [];
  if (when.paths) out.push(factCondition('paths', when.paths, { mode: 'path' }));
  if (when.hosts) out.push(factCondition('hosts', when.hosts, { caseInsensitive: true }));
  if (when.namespaces) out.push(factCondition('namespaces', when.namespaces, {}));
  if (when.sql) out.push(factCondition('sql', when.sql, {}));
  if (when.args) {
    for (const [path, g] of Object.entries(when.args)) {
      const globs = typeof g === 'string' ? [g] : g;
      const m: Matcher = compileGlobs(globs);
      out.push({
        key: `args.${path}`,
        test: (ctx) => argValues(ctx.input.arguments, path).some(m),
        show: (ctx) => `args.${path} ${list(globs)} vs [${list(argValues(ctx.input.arguments, path))}]`,
      });
    }
  }
  if (when.risk) {
    const { min = 0, max = 100 } = when.risk;
    out.push({
      key: 'risk',
      test: (ctx) => typeof ctx.input.shield?.risk === 'number' && ctx.input.shield.risk >= min && ctx.input.shield.risk <= max,
      show: (ctx) => `risk ${min}–${max} vs ${ctx.input.shield?.risk ?? 'no Shield verdict'}`,
    });
  }
  if (when.verdict) {
    const set = new Set<string>(when.verdict);
    out.push({
      key: 'verdict',
      test: (ctx) => ctx.input.shield?.verdict !== undefined && set.has(ctx.input.shield.verdict),
      show: (ctx) => `Shield verdict ${list(when.verdict!)} vs ${ctx.input.shield?.verdict ?? 'no Shield verdict'}`,
    });
  }
  if (when.severity) {
    const min = SEVERITY_RANK[when.severity]!;
    out.push({
      key: 'severity',
      test: (ctx) => ctx.input.shield?.severity !== undefined && (SEVERITY_RANK[ctx.input.shield.severity] ?? -1) >= min,
      show: (ctx) => `Shield severity at least ${when.severity} vs ${ctx.input.shield?.severity ?? 'no Shield verdict'}`,
    });
  }
  if (when.shieldRules) {
    const m = compileGlobs(when.shieldRules);
    out.push({
      key: 'shieldRules',
      test: (ctx) => (ctx.input.shield?.reasons ?? []).some((r) => m(r.rule)),
      show: (ctx) => `Shield rules ${list(when.shieldRules!)} vs [${list((ctx.input.shield?.reasons ?? []).map((r) => r.rule))}]`,
    });
  }
  if (when.time) {
    const w = when.time;
    out.push({
      key: 'time',
      test: (ctx) => inWindow(w, ctx.now),
      show: (ctx) => `time ${w.days ? w.days.join(',') : 'any day'} ${w.hours ?? 'all day'} ${w.timezone} vs ${new Date(ctx.now).toISOString()}`,
    });
  }
  return out;
}
