/**
 * Compiles a validated policy set into the form evaluation reads: globs become matchers,
 * conditions become predicates, and rules are indexed by the server and tool they can
 * apply to, so a call only looks at its candidates. Rules are ordered once here
 * (priority, then deny > approve > allow, then file order) so evaluation stops at the
 * first decisive match.
 */
import { compileGlobs, isLiteral, type Matcher } from './glob.ts';
import { compileConditions, type Condition } from './conditions.ts';
import type { Effect, PoliciesConfig, Rule } from './policy.schema.ts';
import type { PolicyInput } from './policy.types.ts';

/** Higher is stricter; `audit` never decides. */
export const EFFECT_RANK: Record<Effect, number> = { deny: 3, approve: 2, allow: 1, audit: 0 };

export interface CompiledRule {
  readonly id: string;
  readonly ord: number;
  readonly source: Rule;
  readonly priority: number;
  readonly effect: Effect;
  readonly org: Matcher | undefined;
  readonly agent: Matcher | undefined;
  readonly groups: readonly string[] | undefined;
  readonly agentLabels: ReadonlyArray<readonly [string, Matcher]> | undefined;
  readonly server: Matcher | undefined;
  /** Tool globs: plain ones look at the tool, ones with "__" at "server__tool". */
  readonly tool: ((server: string, tool: string) => boolean) | undefined;
  readonly serverLabels: ReadonlyArray<readonly [string, Matcher]> | undefined;
  readonly conditions: readonly Condition[];
}

interface CompiledGroup {
  agent: Matcher | undefined;
  labels: ReadonlyArray<readonly [string, Matcher]> | undefined;
}

export interface CompiledPolicy {
  readonly rules: readonly CompiledRule[];
  readonly defaults: PoliciesConfig['defaults'];
  readonly groups: ReadonlyMap<string, CompiledGroup>;
  readonly denyServers: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
  /** Rules whose server and tool scope match this server and tool, in evaluation order. */
  candidates(server: string, tool: string): readonly CompiledRule[];
}

const MAX_INDEX_PAIRS = 1000;
const CANDIDATE_CACHE = 20_000;

function labelMatchers(m: Record<string, string> | undefined) {
  return m ? Object.entries(m).map(([k, g]) => [k, compileGlobs([g])] as const) : undefined;
}

function toolMatcher(globs: string[] | undefined): CompiledRule['tool'] {
  if (!globs) return undefined;
  const plain = globs.filter((g) => !g.includes('__'));
  const joined = globs.filter((g) => g.includes('__'));
  const p = plain.length ? compileGlobs(plain) : undefined;
  const j = joined.length ? compileGlobs(joined) : undefined;
  return (server, tool) => (p !== undefined && p(tool)) || (j !== undefined && j(`${server}__${tool}`));
}

/** The (server, tool) literals a rule is limited to; '*' where it is not. Undefined: too many, index as "any". */
function indexPairs(r: Rule): Array<[string, string]> | undefined {
  const servers = r.match.servers && r.match.servers.every(isLiteral) ? r.match.servers : ['*'];
  const pairs: Array<[string, string]> = [];
  if (!r.match.tools) for (const s of servers) pairs.push([s, '*']);
  else {
    for (const g of r.match.tools) {
      const at = g.indexOf('__');
      const [sg, tg] = at >= 0 ? [g.slice(0, at), g.slice(at + 2)] : ['*', g];
      // A "__" glob with wildcards in its server part can span "__" inside the name; index it as any server.
      const sLit = at >= 0 && isLiteral(sg) ? sg : '*';
      const tLit = isLiteral(tg) ? tg : '*';
      if (sLit !== '*') pairs.push([sLit, tLit]);
      else for (const s of servers) pairs.push([s, tLit]);
    }
  }
  return pairs.length > MAX_INDEX_PAIRS ? undefined : pairs;
}

export function compilePolicy(cfg: PoliciesConfig): CompiledPolicy {
  const enabled = cfg.rules.filter((r) => r.enabled);
  const sorted = enabled
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.priority - a.r.priority || EFFECT_RANK[b.r.effect] - EFFECT_RANK[a.r.effect] || a.i - b.i);
  const rules: CompiledRule[] = sorted.map(({ r }, ord) => ({
    id: r.id,
    ord,
    source: r,
    priority: r.priority,
    effect: r.effect,
    org: r.match.orgs ? compileGlobs(r.match.orgs) : undefined,
    agent: r.match.agents ? compileGlobs(r.match.agents) : undefined,
    groups: r.match.groups,
    agentLabels: labelMatchers(r.match.agentLabels),
    server: r.match.servers ? compileGlobs(r.match.servers) : undefined,
    tool: toolMatcher(r.match.tools),
    serverLabels: labelMatchers(r.match.serverLabels),
    conditions: compileConditions(r.when),
  }));

  const byPair = new Map<string, CompiledRule[]>();
  const byServer = new Map<string, CompiledRule[]>();
  const byTool = new Map<string, CompiledRule[]>();
  const any: CompiledRule[] = [];
  const push = (m: Map<string, CompiledRule[]>, k: string, r: CompiledRule) => {
    const l = m.get(k);
    if (!l) m.set(k, [r]);
    else if (l.at(-1) !== r) l.push(r);
  };
  for (const r of rules) {
    const pairs = indexPairs(r.source);
    if (!pairs || pairs.some(([s, t]) => s === '*' && t === '*')) {
      any.push(r);
      continue;
    }
    for (const [s, t] of pairs) {
      if (s !== '*' && t !== '*') push(byPair, `${s}\0${t}`, r);
      else if (s !== '*') push(byServer, s, r);
      else push(byTool, t, r);
    }
  }

  const cache = new Map<string, readonly CompiledRule[]>();
  const candidates = (server: string, tool: string): readonly CompiledRule[] => {
    const key = `${server}\0${tool}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const seen = new Set<CompiledRule>();
    for (const l of [byPair.get(key), byServer.get(server), byTool.get(tool), any]) if (l) for (const r of l) seen.add(r);
    // Server and tool scopes depend on the cache key only, so they are checked once here, not per call.
    const merged = [...seen].filter((r) => (!r.server || r.server(server)) && (!r.tool || r.tool(server, tool))).sort((a, b) => a.ord - b.ord);
    if (cache.size >= CANDIDATE_CACHE) cache.clear();
    cache.set(key, merged);
    return merged;
  };

  const groups = new Map<string, CompiledGroup>();
  for (const [name, g] of Object.entries(cfg.groups)) groups.set(name, { agent: g.agents ? compileGlobs(g.agents) : undefined, labels: labelMatchers(g.agentLabels) });

  return {
    rules,
    defaults: cfg.defaults,
    groups,
    denyServers: cfg.defaults.denyServers.map((sel) => Object.entries(sel)),
    candidates,
  };
}

function labelsMatch(want: ReadonlyArray<readonly [string, Matcher]>, have: Record<string, string> | undefined): boolean {
  for (const [k, m] of want) {
    const v = have?.[k];
    if (v === undefined || !m(v)) return false;
  }
  return true;
}

/** Groups an agent belongs to: named in its `groups` label, or selected by a group definition. */
export function agentGroups(c: CompiledPolicy, agent: string, labels: Record<string, string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const g of (labels?.groups ?? '').split(',')) if (g.trim()) out.add(g.trim());
  for (const [name, g] of c.groups) {
    if (!g.agent && !g.labels) continue;
    if ((!g.agent || g.agent(agent)) && (!g.labels || labelsMatch(g.labels, labels))) out.add(name);
  }
  return out;
}

export type ScopeInput = Pick<PolicyInput, 'org' | 'orgName' | 'agent' | 'agentLabels' | 'server' | 'tool' | 'serverLabels'>;

/** Who/what checks of one rule; the first failing one is returned (undefined: in scope). */
export function scopeMiss(c: CompiledPolicy, r: CompiledRule, input: ScopeInput, groupsOf: () => Set<string>, serverToolChecked = false): string | undefined {
  if (!serverToolChecked) {
    if (r.server && !r.server(input.server)) return `server "${input.server}" not in ${JSON.stringify(r.source.match.servers)}`;
    if (r.tool && !r.tool(input.server, input.tool)) return `tool "${input.tool}" (${input.server}__${input.tool}) not in ${JSON.stringify(r.source.match.tools)}`;
  }
  if (r.org && !r.org(input.org) && !(input.orgName !== undefined && r.org(input.orgName))) return `org "${input.orgName ?? input.org}" not in ${JSON.stringify(r.source.match.orgs)}`;
  if (r.agent && !r.agent(input.agent)) return `agent "${input.agent}" not in ${JSON.stringify(r.source.match.agents)}`;
  if (r.agentLabels && !labelsMatch(r.agentLabels, input.agentLabels)) return `agent labels ${JSON.stringify(input.agentLabels ?? {})} do not match ${JSON.stringify(r.source.match.agentLabels)}`;
  if (r.groups) {
    const mine = groupsOf();
    if (!r.groups.some((g) => mine.has(g))) return `agent groups [${[...mine].join(', ')}] not in ${JSON.stringify(r.groups)}`;
  }
  if (r.serverLabels && !labelsMatch(r.serverLabels, input.serverLabels)) return `server labels ${JSON.stringify(input.serverLabels ?? {})} do not match ${JSON.stringify(r.source.match.serverLabels)}`;
  return undefined;
}

/** The posture when no rule decides: per-org setting or the global one, made deny on servers matching a denyServers selector. */
export function posture(c: CompiledPolicy, input: Pick<PolicyInput, 'org' | 'orgName' | 'serverLabels'>): { value: 'allow' | 'deny'; why: string } {
  for (const sel of c.denyServers) {
    if (sel.length && sel.every(([k, v]) => input.serverLabels?.[k] === v)) return { value: 'deny', why: `default deny for servers labelled ${sel.map(([k, v]) => `${k}=${v}`).join(',')}` };
  }
  const byOrg = (input.orgName !== undefined ? c.defaults.orgs[input.orgName] : undefined) ?? c.defaults.orgs[input.org];
  if (byOrg) return { value: byOrg, why: `default posture of org "${input.orgName ?? input.org}" is ${byOrg}` };
  return { value: c.defaults.posture, why: `default posture is ${c.defaults.posture}` };
}
