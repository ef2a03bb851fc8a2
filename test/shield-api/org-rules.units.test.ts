import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveSettings, rulesView, type OrgRuleSetting } from '../../src/shield/org-rules.ts';
import type { RuleInfo } from '../../src/shield/index.ts';

// How an org's settings combine with the config's: the most specific wins.
const catalog: RuleInfo[] = [
  { id: 'git.a', pack: 'git', kind: 'command', severity: 'high', explanation: 'a' },
  { id: 'git.b', pack: 'git', kind: 'command', severity: 'medium', explanation: 'b' },
  { id: 'sql.c', pack: 'sql', kind: 'sql', severity: 'critical', explanation: 'c' },
];
const base = { disable: ['sql.c'], overrides: { 'git.b': { severity: 'low' as const } } };
const rule = (name: string, enabled: boolean | null, severity: OrgRuleSetting['severity'] = null): OrgRuleSetting => ({ scope: 'rule', name, enabled, severity });

test('an org without settings compiles nothing of its own', () => {
  assert.equal(effectiveSettings(catalog, base, []), undefined);
  const v = rulesView(catalog, base, []);
  assert.deepEqual(v.rules.map((r) => [r.id, r.enabled, r.effectiveSeverity, r.source]), [['git.a', true, 'high', 'default'], ['git.b', true, 'low', 'config'], ['sql.c', false, 'critical', 'config']]);
});

test('an org may switch on a rule the config disabled, and keeps the config severity it does not override', () => {
  const s = effectiveSettings(catalog, base, [rule('sql.c', true)])!;
  assert.deepEqual(s.disable, []);
  assert.deepEqual(s.overrides, { 'git.b': { severity: 'low' } });
});

test('a pack off switches its rules off; a rule switched on beats it; a severity alone does not', () => {
  const org: OrgRuleSetting[] = [{ scope: 'pack', name: 'git', enabled: false, severity: null }, rule('git.a', null, 'critical')];
  assert.deepEqual(effectiveSettings(catalog, base, org)!.disable.sort(), ['git.a', 'git.b', 'sql.c']);
  const on = effectiveSettings(catalog, base, [...org.slice(0, 1), rule('git.a', true, 'critical')])!;
  assert.deepEqual(on.disable.sort(), ['git.b', 'sql.c']);
  assert.deepEqual(on.overrides['git.a'], { severity: 'critical' });
  const view = rulesView(catalog, base, [...org.slice(0, 1), rule('git.a', true, 'critical')]);
  assert.deepEqual(view.packs.find((p) => p.name === 'git'), { name: 'git', enabled: false, rules: 2, enabledRules: 1, source: 'org' });
});
