/**
 * Per-organization rule settings, as pure data: how an org's settings combine with the
 * installation's (config) settings into the rule settings Shield is compiled with, and the
 * view of every pack and rule the API shows. Most specific wins: a rule setting beats its
 * pack's, an org setting beats the config's.
 */
import type { RuleInfo, RuleSettings } from './index.ts';
import type { RuleOverride, Severity } from './types.ts';

export interface OrgRuleSetting {
  scope: 'pack' | 'rule';
  name: string;
  /** null: leave on/off as the config says (a rule whose severity alone is overridden). */
  enabled: boolean | null;
  severity: Severity | null;
}

export interface RuleView extends RuleInfo {
  enabled: boolean;
  /** The severity this org's calls are judged with (env-specific severities drop out once overridden). */
  effectiveSeverity: Severity;
  /** Who decided the current state: the pack's default, the installation's config, or this org. */
  source: 'default' | 'config' | 'org';
}

export interface PackView {
  name: string;
  enabled: boolean;
  rules: number;
  enabledRules: number;
  source: 'default' | 'org';
}

interface RuleState {
  enabled: boolean;
  severity: Severity | undefined;
  source: RuleView['source'];
}

function stateOf(rule: RuleInfo, base: RuleSettings, packOff: Set<string>, byRule: Map<string, OrgRuleSetting>): RuleState {
  const cfg = base.overrides[rule.id];
  const st: RuleState = { enabled: !(base.disable.includes(rule.id) || cfg?.disabled), severity: cfg?.severity, source: base.disable.includes(rule.id) || cfg ? 'config' : 'default' };
  if (packOff.has(rule.pack)) Object.assign(st, { enabled: false, source: 'org' });
  const own = byRule.get(rule.id);
  if (own) {
    if (own.enabled !== null) st.enabled = own.enabled;
    if (own.severity) st.severity = own.severity;
    st.source = 'org';
  }
  return st;
}

function index(org: OrgRuleSetting[]) {
  return {
    packOff: new Set(org.filter((s) => s.scope === 'pack' && s.enabled === false).map((s) => s.name)),
    byRule: new Map(org.filter((s) => s.scope === 'rule').map((s) => [s.name, s])),
  };
}

/** The settings an org's Shield is compiled with; undefined when the org changes nothing. */
export function effectiveSettings(catalog: RuleInfo[], base: RuleSettings, org: OrgRuleSetting[]): RuleSettings | undefined {
  if (org.length === 0) return undefined;
  const { packOff, byRule } = index(org);
  const disable: string[] = [];
  const overrides: Record<string, RuleOverride> = {};
  for (const rule of catalog) {
    const st = stateOf(rule, base, packOff, byRule);
    if (!st.enabled) disable.push(rule.id);
    if (st.severity) overrides[rule.id] = { severity: st.severity };
  }
  return { disable, overrides };
}

export function rulesView(catalog: RuleInfo[], base: RuleSettings, org: OrgRuleSetting[]): { packs: PackView[]; rules: RuleView[] } {
  const { packOff, byRule } = index(org);
  const rules = catalog.map((rule): RuleView => {
    const st = stateOf(rule, base, packOff, byRule);
    return { ...rule, enabled: st.enabled, effectiveSeverity: st.severity ?? rule.severity, source: st.source };
  });
  const packs = new Map<string, PackView>();
  for (const r of rules) {
    const p = packs.get(r.pack) ?? { name: r.pack, enabled: !packOff.has(r.pack), rules: 0, enabledRules: 0, source: packOff.has(r.pack) ? 'org' : 'default' };
    p.rules++;
    if (r.enabled) p.enabledRules++;
    packs.set(r.pack, p);
  }
  return { packs: [...packs.values()].sort((a, b) => a.name.localeCompare(b.name)), rules };
}
