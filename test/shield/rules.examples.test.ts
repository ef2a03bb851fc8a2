/** Every rule's own examples: each `match` example must raise the rule, each `no_match` must not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRuleSet } from '../../src/shield/rules.loader.ts';
import { exampleCall, sharedShield } from './helpers.ts';

const rules = loadRuleSet().rules;

test('every rule has at least one must-match example', () => {
  const without = rules.filter((r) => r.examples.match.length === 0 && !r.env).map((r) => r.id);
  assert.deepEqual(without, []);
});

test('rule ids are unique across packs', () => {
  const ids = rules.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
});

for (const rule of rules) {
  test(`rule ${rule.id} examples`, async () => {
    const shield = await sharedShield();
    for (const ex of rule.examples.match) {
      const v = shield.analyzeCall(exampleCall(rule, ex));
      assert.ok(v.reasons.some((r) => r.rule === rule.id), `${rule.id} should match ${JSON.stringify(ex)}; got ${v.reasons.map((r) => r.rule).join(', ') || 'nothing'}`);
    }
    for (const ex of rule.examples.no_match) {
      const v = shield.analyzeCall(exampleCall(rule, ex));
      assert.ok(!v.reasons.some((r) => r.rule === rule.id), `${rule.id} should not match ${JSON.stringify(ex)}`);
    }
  });
}
