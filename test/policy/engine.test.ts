import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PoliciesConfigSchema, type PoliciesInput } from '../../src/policy/policy.schema.ts';
import { compilePolicy } from '../../src/policy/compile.ts';
import { evaluate, explain } from '../../src/policy/evaluate.ts';
import { visibleTools, toolVisibility } from '../../src/policy/visibility.ts';
import { combine } from '../../src/policy/combine.ts';
import { validateDocument, parseDocumentText } from '../../src/policy/document.ts';
import type { PolicyInput } from '../../src/policy/policy.types.ts';

const compile = (p: PoliciesInput) => compilePolicy(PoliciesConfigSchema.parse(p));
const call = (over: Partial<PolicyInput> = {}): PolicyInput => ({ org: 'org_1', orgName: 'acme', agent: 'ci-bot', server: 'kubernetes', tool: 'delete_pod', arguments: {}, ...over });
// Wednesday 2026-01-07 10:30 UTC
const WED_1030 = Date.UTC(2026, 0, 7, 10, 30);

test('priority decides; at equal priority deny beats approve beats allow', () => {
  const c = compile({
    rules: [
      { id: 'allow-all', effect: 'allow', priority: 10 },
      { id: 'deny-k8s', effect: 'deny', priority: 10, match: { servers: ['kubernetes'] } },
      { id: 'approve-k8s', effect: 'approve', priority: 10, match: { servers: ['kubernetes'] } },
      { id: 'allow-k8s-high', effect: 'allow', priority: 20, match: { tools: ['kubernetes__get_*'] } },
    ],
  });
  assert.equal(evaluate(c, call()).rule, 'deny-k8s');
  assert.equal(evaluate(c, call()).effect, 'deny');
  assert.equal(evaluate(c, call({ tool: 'get_pods' })).rule, 'allow-k8s-high');
  assert.equal(evaluate(c, call({ server: 'files', tool: 'read' })).rule, 'allow-all');
  const c2 = compile({ rules: [{ id: 'a', effect: 'allow' }, { id: 'b', effect: 'approve', approvers: 2 }] });
  const d = evaluate(c2, call());
  assert.deepEqual([d.effect, d.rule, d.approvers], ['approve', 'b', 2]);
});

test('wildcards: server and tool separately, and server__tool globs', () => {
  const c = compile({
    defaults: { posture: 'allow' },
    rules: [
      { id: 'no-deletes', effect: 'deny', match: { tools: ['*__delete_*'] } },
      { id: 'k8s-all', effect: 'approve', match: { tools: ['kubernetes__*'] } },
      { id: 'db-write', effect: 'deny', match: { servers: ['db-*'], tools: ['write*'] } },
    ],
  });
  assert.equal(evaluate(c, call({ server: 'github', tool: 'delete_repo' })).rule, 'no-deletes');
  assert.equal(evaluate(c, call({ server: 'kubernetes', tool: 'get_pods' })).rule, 'k8s-all');
  assert.equal(evaluate(c, call({ server: 'db-main', tool: 'write_rows' })).rule, 'db-write');
  assert.equal(evaluate(c, call({ server: 'dbx', tool: 'write_rows' })).by, 'default');
  assert.equal(evaluate(c, call({ server: 'github', tool: 'undelete_repo' })).by, 'default');
});

test('agents, groups, labels and orgs scope rules', () => {
  const c = compile({
    groups: { sre: { agents: ['oncall-*'] }, bots: { agentLabels: { kind: 'bot' } } },
    defaults: { posture: 'deny' },
    rules: [
      { id: 'sre', effect: 'allow', match: { groups: ['sre'] } },
      { id: 'bots-read', effect: 'allow', match: { groups: ['bots'], tools: ['get_*', 'list_*'] } },
      { id: 'acme-team', effect: 'allow', match: { orgs: ['acme'], agentLabels: { team: 'plat*' } } },
      { id: 'by-label-group', effect: 'allow', match: { groups: ['release'] } },
    ],
  });
  assert.equal(evaluate(c, call({ agent: 'oncall-1' })).rule, 'sre');
  assert.equal(evaluate(c, call({ agentLabels: { kind: 'bot' }, tool: 'get_pods' })).rule, 'bots-read');
  assert.equal(evaluate(c, call({ agentLabels: { kind: 'bot' } })).effect, 'deny');
  assert.equal(evaluate(c, call({ agentLabels: { team: 'platform' } })).rule, 'acme-team');
  assert.equal(evaluate(c, call({ orgName: 'other', agentLabels: { team: 'platform' } })).effect, 'deny');
  assert.equal(evaluate(c, call({ agentLabels: { groups: 'qa, release' } })).rule, 'by-label-group');
});

test('conditions: paths, hosts, namespaces, SQL kind, args, Shield risk/rules/severity, server labels, time', () => {
  const c = compile({
    rules: [
      { id: 'ssh-keys', effect: 'deny', when: { paths: ['~/.ssh/**'] } },
      { id: 'etc', effect: 'deny', when: { paths: ['/etc/**'] } },
      { id: 'internal-hosts', effect: 'approve', when: { hosts: ['*.internal.example.com'] } },
      { id: 'prod-ns', effect: 'approve', when: { namespaces: ['prod-*'] } },
      { id: 'sql-destructive', effect: 'deny', when: { sql: ['drop', 'truncate'] } },
      { id: 'force-push', effect: 'deny', when: { args: { force: 'true', branch: ['main', 'release/*'] } } },
      { id: 'risky', effect: 'approve', priority: -1, when: { risk: { min: 60 } } },
      { id: 'git-rules', effect: 'deny', priority: -1, when: { shieldRules: ['git.*'], severity: 'high' } },
      { id: 'prod-office-hours', effect: 'approve', priority: -2, match: { serverLabels: { env: 'prod' } }, when: { time: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '09:00-18:00', timezone: 'UTC' } } },
      { id: 'prod-night', effect: 'deny', priority: -3, match: { serverLabels: { env: 'prod' } } },
    ],
  });
  const at = (args: Record<string, unknown>, over: Partial<PolicyInput> = {}) => evaluate(c, call({ server: 'x', tool: 'y', arguments: args, ...over, now: over.now ?? WED_1030 }), WED_1030);
  assert.equal(at({ path: '/home/bob/.ssh/id_rsa' }).rule, 'ssh-keys');
  assert.equal(at({}, { shield: { targets: [{ kind: 'path', value: '~/.ssh/config' }] } }).rule, 'ssh-keys');
  assert.equal(at({ path: '/etc/../etc/passwd' }).rule, 'etc');
  assert.equal(at({ path: '/tmp/etc/passwd' }).by, 'default');
  assert.equal(at({ url: 'https://API.internal.example.com/x' }).rule, 'internal-hosts');
  assert.equal(at({ namespace: 'prod-eu' }).rule, 'prod-ns');
  assert.equal(at({}, { shield: { targets: [{ kind: 'k8s', value: 'c/prod-us/pod/x', namespace: 'prod-us' }] } }).rule, 'prod-ns');
  assert.equal(at({ sql: 'select 1; DROP TABLE users' }).rule, 'sql-destructive');
  assert.equal(at({ query: 'SELECT * FROM t' }).by, 'default');
  assert.equal(at({}, { shield: { targets: [{ kind: 'table', value: 'users', op: 'truncate' }] } }).rule, 'sql-destructive');
  assert.equal(at({ force: true, branch: 'release/1.2' }).rule, 'force-push');
  assert.equal(at({ force: false, branch: 'main' }).by, 'default');
  assert.equal(at({}, { shield: { verdict: 'approve', risk: 65, severity: 'medium', reasons: [] } }).rule, 'risky');
  assert.equal(at({}, { shield: { verdict: 'allow', risk: 10, severity: 'high', reasons: [{ rule: 'git.force-push', severity: 'high', message: '' }] } }).rule, 'git-rules');
  assert.equal(at({}, { shield: { verdict: 'allow', risk: 10, severity: 'low', reasons: [{ rule: 'git.force-push', severity: 'low', message: '' }] } }).by, 'default');
  assert.equal(at({}, { serverLabels: { env: 'prod' } }).rule, 'prod-office-hours');
  assert.equal(at({}, { serverLabels: { env: 'prod' }, now: Date.UTC(2026, 0, 7, 20, 0) }).rule, 'prod-night');
  assert.equal(at({}, { serverLabels: { env: 'prod' }, now: Date.UTC(2026, 0, 10, 10, 0) }).rule, 'prod-night', 'Saturday');
});

test('time windows wrap midnight and honour the time zone', () => {
  const c = compile({ rules: [{ id: 'night', effect: 'deny', when: { time: { days: ['fri'], hours: '22:00-06:00', timezone: 'Europe/Paris' } } }] });
  const at = (ms: number) => evaluate(c, call({ now: ms })).effect;
  assert.equal(at(Date.UTC(2026, 0, 9, 21, 30)), 'deny', 'Friday 22:30 Paris');
  assert.equal(at(Date.UTC(2026, 0, 10, 3, 0)), 'deny', 'Saturday 04:00 Paris belongs to Friday night');
  assert.equal(at(Date.UTC(2026, 0, 10, 21, 30)), 'allow', 'Saturday 22:30 Paris');
  assert.equal(at(Date.UTC(2026, 0, 9, 20, 30)), 'allow', 'Friday 21:30 Paris');
});

test('default posture: global, per org, and deny for servers labelled prod', () => {
  const c = compile({ defaults: { posture: 'allow', orgs: { bank: 'deny' }, denyServers: [{ env: 'prod' }] }, rules: [{ id: 'ops-prod', effect: 'allow', match: { agents: ['ops'], serverLabels: { env: 'prod' } } }] });
  assert.equal(evaluate(c, call()).effect, 'allow');
  assert.equal(evaluate(c, call({ orgName: 'bank' })).effect, 'deny');
  const prod = evaluate(c, call({ serverLabels: { env: 'prod' } }));
  assert.equal(prod.effect, 'deny');
  assert.match(prod.reasons[0]!, /servers labelled env=prod/);
  assert.equal(evaluate(c, call({ agent: 'ops', serverLabels: { env: 'prod' } })).rule, 'ops-prod');
});

test('audit-only rules are recorded and never decide', () => {
  const c = compile({ rules: [{ id: 'watch', effect: 'audit', priority: 100 }, { id: 'deny-del', effect: 'deny', match: { tools: ['delete_*'] } }, { id: 'watch-low', effect: 'audit', priority: -100 }] });
  const d = evaluate(c, call());
  assert.equal(d.rule, 'deny-del');
  assert.deepEqual(d.audit, ['watch', 'watch-low']);
  assert.equal(evaluate(c, call({ tool: 'get' })).effect, 'allow');
});

test('explain lists every rule with why it matched or not', () => {
  const c = compile({ rules: [{ id: 'a', effect: 'deny', match: { servers: ['db'] } }, { id: 'b', effect: 'allow', when: { args: { ns: 'dev' } } }, { id: 'c', effect: 'allow' }] });
  const e = explain(c, call({ arguments: { ns: 'prod' } }));
  assert.equal(e.decision.rule, 'c');
  assert.deepEqual(e.rules.map((r) => [r.rule, r.matched]), [['a', false], ['b', false], ['c', true]]);
  assert.match(e.rules[0]!.checks[0]!, /server "kubernetes" not in \["db"\]/);
  assert.match(e.rules[1]!.checks.join('\n'), /fails: args\.ns "dev" vs \["prod"\]/);
  assert.match(e.rules[2]!.checks.join('\n'), /decides the call/);
});

test('visibility: unconditional deny hides, conditional deny does not, default deny hides unless an allow could apply', () => {
  const c = compile({
    defaults: { posture: 'deny' },
    rules: [
      { id: 'hide-delete', effect: 'deny', priority: 10, match: { tools: ['delete_*'] } },
      { id: 'no-prod-ns', effect: 'deny', priority: 10, match: { tools: ['get_*'] }, when: { namespaces: ['prod'] } },
      { id: 'read', effect: 'allow', match: { tools: ['get_*', 'list_*', 'delete_*'] } },
      { id: 'scale', effect: 'approve', match: { tools: ['scale'] }, when: { args: { replicas: '*' } } },
    ],
  });
  const v = { org: 'org_1', agent: 'a', server: 'kubernetes', tools: ['get_pods', 'list_ns', 'delete_pod', 'scale', 'exec'] };
  assert.deepEqual(visibleTools(c, v), ['get_pods', 'list_ns', 'scale']);
  const hidden = toolVisibility(c, v).find((t) => t.tool === 'delete_pod')!;
  assert.equal(hidden.rule, 'hide-delete');
  const open = compile({ rules: [{ id: 'x', effect: 'deny', match: { tools: ['exec'] } }] });
  assert.deepEqual(visibleTools(open, v), ['get_pods', 'list_ns', 'delete_pod', 'scale']);
});

test('combination with Shield: strictest wins; an allow exception waives only named, non-fail-closed rules', () => {
  const c = compile({
    rules: [
      { id: 'hotfix', effect: 'allow', match: { agents: ['release-bot'] }, exception: { justification: 'Release bot force-pushes release branches (JIRA-12)', shieldRules: ['git.force-push'] } },
      { id: 'plain', effect: 'allow', match: { agents: ['other'] } },
    ],
  });
  const shieldBlock = { verdict: 'block' as const, risk: 90, severity: 'critical' as const, reasons: [{ rule: 'git.force-push', severity: 'critical' as const, message: 'force push' }], targets: [] };
  const plain = combine(evaluate(c, call({ agent: 'other' })), shieldBlock);
  assert.deepEqual([plain.effect, plain.by], ['deny', 'shield']);
  const ex = combine(evaluate(c, call({ agent: 'release-bot' })), shieldBlock);
  assert.equal(ex.effect, 'allow');
  assert.deepEqual(ex.waived?.shieldRules, ['git.force-push']);
  assert.match(ex.waived!.justification, /JIRA-12/);
  const two = { ...shieldBlock, reasons: [...shieldBlock.reasons, { rule: 'shell.rm-rf', severity: 'high' as const, message: '' }] };
  assert.equal(combine(evaluate(c, call({ agent: 'release-bot' })), two).effect, 'approve', 'the other reason still counts (high = 70 → approve)');
  const failClosed = { verdict: 'approve' as const, risk: 50, severity: 'medium' as const, reasons: [{ rule: 'shell.parse-error', severity: 'medium' as const, message: '' }], targets: [] };
  const fcPolicy = compile({ rules: [{ id: 'x', effect: 'allow', exception: { justification: 'try to waive everything', shieldRules: ['*'] } }] });
  assert.equal(combine(evaluate(fcPolicy, call()), failClosed).effect, 'approve', 'parse errors are never waived');
  const denyPolicy = compile({ rules: [{ id: 'd', effect: 'deny' }] });
  assert.deepEqual(combine(evaluate(denyPolicy, call()), { ...shieldBlock, verdict: 'allow' }).by, 'policy');
});

test('invalid policies are rejected whole with messages naming the rule and the field', () => {
  const r = validateDocument({
    policies: {
      rules: [
        { id: 'ok', effect: 'allow' },
        { id: 'bad-effect', effect: 'permit' },
        { id: 'bad-approvers', effect: 'deny', approvers: 2 },
        { id: 'typo', effect: 'deny', match: { tool: ['x'] } },
        { id: 'ok', effect: 'deny' },
        { id: 'tz', effect: 'deny', when: { time: { timezone: 'Mars/Olympus' } } },
      ],
    },
  }, 'flowlink.yaml');
  assert.equal(r.ok, false);
  const msg = (r as { error: Error }).error.message;
  assert.match(msg, /flowlink\.yaml: policies\.rules\[1\] "bad-effect": effect: expected one of "allow", "approve", "deny", "audit"/);
  assert.match(msg, /rules\[2\] "bad-approvers": approvers: "approvers" needs effect approve/);
  assert.match(msg, /rules\[3\] "typo": match: unknown key "tool"/);
  assert.match(msg, /rules\[4\] "ok": id: duplicate rule id "ok" \(first used by rules\[0\]\)/);
  assert.match(msg, /rules\[5\] "tz": when\.time\.timezone: unknown time zone/);
  const y = parseDocumentText('listen: { port: 1 }\nrateLimits:\n  limits:\n    - { id: x, rate: fast }\n', 'f.yaml');
  assert.equal(y.ok, false);
  assert.match((y as { error: Error }).error.message, /f\.yaml: rateLimits\.limits\[0\] "x": rate: expected a rate such as 10\/s/);
});

test('the index returns the same decisions as a full scan', () => {
  const servers = ['kubernetes', 'github', 'db', 'files'];
  const tools = ['get_pods', 'delete_pod', 'push', 'query', 'read_file', 'write_file'];
  const rules = [];
  for (let i = 0; i < 300; i++) {
    const s = servers[i % 4]!;
    const t = tools[i % 6]!;
    const kind = i % 5;
    const match = kind === 0 ? { servers: [s] } : kind === 1 ? { tools: [`${s}__${t}`] } : kind === 2 ? { tools: [`*__${t.slice(0, 3)}*`] } : kind === 3 ? { servers: [`${s.slice(0, 2)}*`], tools: [t] } : { agents: [`agent-${i % 7}`] };
    rules.push({ id: `r${i}`, effect: (['allow', 'deny', 'approve', 'audit'] as const)[i % 4], priority: i % 9, match });
  }
  const cfg = PoliciesConfigSchema.parse({ rules });
  const c = compilePolicy(cfg);
  for (const s of servers) for (const t of tools) for (let a = 0; a < 7; a++) {
    const input = call({ server: s, tool: t, agent: `agent-${a}` });
    const fast = evaluate(c, input);
    const full = explain(c, input).rules.filter((r) => r.matched && r.effect !== 'audit')[0];
    assert.equal(fast.rule, full?.rule, `${s}/${t}/agent-${a}`);
  }
});
