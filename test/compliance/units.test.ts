import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyDocumentSchema } from '../../src/policy/document.ts';
import type { ComplianceFacts } from '../../src/compliance/facts.types.ts';
import { runChecks } from '../../src/compliance/checks.ts';
import { buildReport } from '../../src/compliance/evaluate.ts';
import { serverFacts } from '../../src/compliance/facts.ts';
import { serverCoverage } from '../../src/compliance/coverage.ts';
import { renderHtml } from '../../src/compliance/render/html.ts';
import { STANDARDS } from '../../src/compliance/catalog/index.ts';
import { CHECK_IDS, STANDARD_IDS } from '../../src/compliance/compliance.types.ts';
import { nextRun, parseSchedule } from '../../src/compliance/schedule.ts';
import { parseStandards } from '../../src/compliance/compliance.service.ts';
import { redactServer, redactValue, REDACTED } from '../../src/snapshots/redact.ts';
import { ConfigSchema } from '../../src/config/schema.ts';

const NOW = '2026-11-26T12:00:00.000Z';
const daysAgo = (n: number) => new Date(Date.parse(NOW) - n * 86_400_000).toISOString();

function facts(over: Partial<ComplianceFacts> = {}): ComplianceFacts {
  return {
    now: NOW,
    org: { id: 'org_a', name: 'acme', requireMfa: true },
    members: [{ userId: 'u1', role: 'owner', totp: true }],
    audit: { head: { seq: 10, hash: 'a'.repeat(64) }, chain: { ok: true, records: 10, beginsAt: 1, problems: [] }, checkpoint: { seq: 10, hash: 'a'.repeat(64), ts: daysAgo(0), key_id: 'ak_1' } },
    shield: { enabled: true, thresholds: { approve: 40, block: 80 }, highRiskRules: 50, disabledHighRisk: [], downgradedHighRisk: [], categories: [{ pack: 'sql', highRisk: 50, gated: 50 }] },
    pins: { total: 3, quarantined: 0, servers: ['db'] },
    servers: [serverFacts('db', { command: 'x', args: [], env: { PGPASSWORD: '{{secret:DB}}' }, mode: 'shared', labels: { env: 'prod' }, timeout: 1000 } as never)],
    policy: { version: 3, document: PolicyDocumentSchema.parse({ policies: { rules: [{ id: 'db-approve', effect: 'approve', approvers: 2, match: { servers: ['db'] } }] }, rateLimits: { limits: [{ id: 'per-agent', rate: '10/s', per: ['org', 'agent'] }] } }) },
    agents: [{ id: 'a1', name: 'bot', scopes: { servers: ['db'], tools: ['*'] }, revoked: false, createdAt: daysAgo(40), lastSeenAt: daysAgo(1), tokens: [{ expiresAt: daysAgo(-30) }] }],
    apiKeys: [{ id: 'k0', name: 'ops', createdAt: daysAgo(5), lastUsedAt: daysAgo(1), expiresAt: daysAgo(-60) }],
    secrets: [{ name: 'DB', updatedAt: daysAgo(10) }],
    approvals: { enabled: true, channels: ['web', 'slack'], escalation: true },
    retention: { configured: true, auditDays: 365, historyDays: 90, source: 'test' },
    siem: { configured: true, sinks: [{ id: 'splunk', lag: 0, lastError: null, deliveredAt: NOW }], source: 'test' },
    ...over,
  };
}

test('every control of every standard names checks that exist; ids are unique per standard', () => {
  for (const id of STANDARD_IDS) {
    const std = STANDARDS[id];
    assert.ok(std.controls.length >= 7, id);
    assert.equal(new Set(std.controls.map((c) => c.id)).size, std.controls.length);
    for (const c of std.controls) {
      assert.ok(c.checks.length > 0, `${id} ${c.id} has evidence`);
      for (const k of c.checks) assert.ok((CHECK_IDS as readonly string[]).includes(k), k);
      assert.match(c.title.ru, /[а-яё]/i, `${c.id} has a Russian title`);
      assert.match(c.title.en, /^[\x20-\x7e]+$/, `${c.id} has an English title`);
    }
  }
  assert.deepEqual(STANDARDS.soc2.controls.map((c) => c.id), ['CC6.1', 'CC6.2', 'CC6.3', 'CC6.6', 'CC6.7', 'CC6.8', 'CC7.1', 'CC7.2', 'CC7.3', 'CC7.4', 'CC8.1']);
  assert.deepEqual(STANDARDS['owasp-mcp'].controls.map((c) => c.id), ['MCP01', 'MCP02', 'MCP03', 'MCP04', 'MCP05', 'MCP06', 'MCP07', 'MCP08', 'MCP09', 'MCP10']);
});

test('a well-run org passes every check; scores are 100', () => {
  const r = buildReport(facts(), STANDARD_IDS);
  const notPass = Object.values(r.checks).filter((c) => c.status !== 'pass');
  assert.deepEqual(notPass.map((c) => `${c.id}: ${c.summary.en}`), []);
  for (const s of r.standards) assert.equal(s.score, 100, s.id);
});

test('2FA not enforced and a member without 2FA: fail and partial, with user ids as evidence', () => {
  const c = runChecks(facts({ org: { id: 'org_a', name: 'acme', requireMfa: false }, members: [{ userId: 'u1', role: 'owner', totp: true }, { userId: 'u2', role: 'viewer', totp: false }] }), ['mfa.enforced', 'mfa.members']);
  assert.equal(c['mfa.enforced']!.status, 'fail');
  assert.match(c['mfa.enforced']!.remediation.ru, /requireMfa/);
  assert.equal(c['mfa.members']!.status, 'partial');
  assert.deepEqual(c['mfa.members']!.evidence.without_2fa, ['u2']);
});

test('a broken chain fails and names the first problem; a stale checkpoint is partial', () => {
  const c = runChecks(facts({ audit: { head: { seq: 10, hash: 'b'.repeat(64) }, chain: { ok: false, records: 10, beginsAt: 1, problems: [{ seq: 4, kind: 'edited' }] }, checkpoint: { seq: 8, hash: 'c'.repeat(64), ts: daysAgo(3), key_id: 'ak_1' } } }), ['audit.chain', 'audit.checkpoint']);
  assert.equal(c['audit.chain']!.status, 'fail');
  assert.equal(c['audit.chain']!.evidence.first_seq, 4);
  assert.match(c['audit.chain']!.summary.en, /seq 4 \(edited\)/);
  assert.equal(c['audit.checkpoint']!.status, 'partial');
  assert.equal(c['audit.checkpoint']!.evidence.age_hours, 72);
});

test('server coverage: named, by labels, by server__tool glob, denyServers, deny posture; a catch-all rule does not count', () => {
  const servers = ['db', 'k8s', 'git', 'web', 'misc'].map((n) => serverFacts(n, { command: 'x', args: [], env: {}, mode: 'shared', labels: n === 'k8s' ? { env: 'prod' } : n === 'web' ? { tier: 'edge' } : {}, timeout: 1 } as never));
  const doc = PolicyDocumentSchema.parse({
    policies: {
      defaults: { denyServers: [{ tier: 'edge' }] },
      rules: [
        { id: 'a', effect: 'deny', match: { servers: ['d*'] } },
        { id: 'b', effect: 'approve', match: { serverLabels: { env: 'pr*' } } },
        { id: 'c', effect: 'allow', match: { tools: ['git__status'] } },
        { id: 'all', effect: 'deny', match: { servers: ['*'], tools: ['*__delete'] } },
        { id: 'other-org', effect: 'deny', match: { orgs: ['someone-else'], servers: ['misc'] } },
      ],
    },
  });
  const cov = serverCoverage(doc, { id: 'org_a', name: 'acme' }, servers);
  assert.deepEqual(cov.covered, ['db', 'k8s', 'git', 'web']);
  assert.deepEqual(cov.uncovered, ['misc']);
  const denyAll = PolicyDocumentSchema.parse({ policies: { defaults: { orgs: { acme: 'deny' } } } });
  assert.deepEqual(serverCoverage(denyAll, { id: 'org_a', name: 'acme' }, servers).uncovered, []);
});

test('plaintext credentials in server env/headers/URL are found by name; values never appear in the result', () => {
  const s1 = serverFacts('db', { command: 'x', args: [], env: { PGPASSWORD: 'hunter2-very-secret', LOG_LEVEL: 'debug', API_TOKEN: '{{secret:TOK}}' }, mode: 'shared', labels: {}, timeout: 1 } as never);
  const s2 = serverFacts('gh', { url: 'https://bot:pa55word@api.example.com/mcp', headers: { 'X-Custom': 'Bearer abcdefghijklmnop' }, transport: 'streamable-http', labels: {}, timeout: 1 } as never);
  assert.deepEqual(s1.plaintextKeys, ['env.PGPASSWORD']);
  assert.equal(s1.secretRefs, 1);
  assert.deepEqual(s2.plaintextKeys, ['headers.X-Custom', 'url.password']);
  const r = runChecks(facts({ servers: [s1, s2] }), ['secrets.no-plaintext']);
  assert.equal(r['secrets.no-plaintext']!.status, 'fail');
  const text = JSON.stringify(r);
  for (const v of ['hunter2', 'pa55word', 'abcdefghijklmnop']) assert.ok(!text.includes(v), `${v} leaked`);
});

test('Shield off, high-risk rules disabled, and exceptions: fail then partial', () => {
  assert.equal(runChecks(facts({ shield: { ...facts().shield, enabled: false } }), ['shield.high-risk-gated'])['shield.high-risk-gated']!.status, 'fail');
  assert.equal(runChecks(facts({ shield: { ...facts().shield, thresholds: { approve: 75, block: 90 } } }), ['shield.high-risk-gated'])['shield.high-risk-gated']!.status, 'fail');
  const p = runChecks(facts({ shield: { ...facts().shield, disabledHighRisk: ['sql.drop-table'] } }), ['shield.high-risk-gated'])['shield.high-risk-gated']!;
  assert.equal(p.status, 'partial');
  assert.deepEqual(p.evidence.disabled, ['sql.drop-table']);
});

test('agents: unscoped, never-expiring and inactive agents; unused API keys; overdue secrets', () => {
  const f = facts({
    agents: [
      { id: 'a1', name: 'wide', scopes: { servers: ['*'], tools: ['*'] }, revoked: false, createdAt: daysAgo(100), lastSeenAt: daysAgo(60), tokens: [{ expiresAt: null }] },
      { id: 'a2', name: 'ok', scopes: { servers: ['db'], tools: ['*'] }, revoked: false, createdAt: daysAgo(1), lastSeenAt: null, tokens: [{ expiresAt: daysAgo(-1) }] },
      { id: 'a3', name: 'gone', scopes: { servers: ['*'], tools: ['*'] }, revoked: true, createdAt: daysAgo(400), lastSeenAt: null, tokens: [] },
    ],
    apiKeys: [{ id: 'k1', name: 'ci', createdAt: daysAgo(200), lastUsedAt: daysAgo(120), expiresAt: daysAgo(-10) }],
    secrets: [{ name: 'OLD', updatedAt: daysAgo(200) }],
  });
  const c = runChecks(f, ['agents.scoped-expiring', 'agents.inactive', 'apikeys.unused', 'secrets.rotation']);
  assert.equal(c['agents.scoped-expiring']!.status, 'partial');
  assert.deepEqual(c['agents.scoped-expiring']!.evidence.unscoped, ['wide']);
  assert.deepEqual(c['agents.inactive']!.evidence.inactive, ['wide']);
  assert.deepEqual(c['apikeys.unused']!.evidence.unused, ['ci (k1)']);
  assert.equal(c['secrets.rotation']!.status, 'partial');
  assert.equal(c['secrets.rotation']!.evidence.oldest_days, 200);
});

test('approvals: a critical approve rule with one approver is partial and named', () => {
  const doc = PolicyDocumentSchema.parse({ policies: { rules: [{ id: 'two', effect: 'approve', approvers: 2, match: { servers: ['db'] } }, { id: 'crit', effect: 'approve', when: { severity: 'critical' }, match: { servers: ['k8s'] } }] } });
  const c = runChecks(facts({ policy: { version: 1, document: doc } }), ['approvals.channels'])['approvals.channels']!;
  assert.equal(c.status, 'partial');
  assert.deepEqual(c.evidence.critical_single_approver, ['crit']);
});

test('absent modules answer "not configured": retention and SIEM fail with remediation in both languages', () => {
  const c = runChecks(facts({ retention: { configured: false, source: 'none' }, siem: { configured: false, sinks: [], source: 'none' } }), ['retention.configured', 'siem.delivering']);
  for (const k of ['retention.configured', 'siem.delivering'] as const) {
    assert.equal(c[k]!.status, 'fail');
    assert.ok(c[k]!.remediation.en && c[k]!.remediation.ru);
  }
  const lag = runChecks(facts({ siem: { configured: true, sinks: [{ id: 's', lag: 5000, lastError: null, deliveredAt: null }], source: 't' } }), ['siem.delivering']);
  assert.equal(lag['siem.delivering']!.status, 'partial');
});

test('scores: partial counts half, not-applicable does not count', () => {
  const r = buildReport(facts({ org: { id: 'org_a', name: 'acme', requireMfa: false }, members: [] }), ['fstec']);
  const iaf1 = r.standards[0]!.controls.find((c) => c.id === 'ИАФ.1')!;
  assert.equal(iaf1.status, 'fail');
  assert.equal(iaf1.score, 0, 'mfa.enforced fails; mfa.members is not applicable');
});

test('HTML in each language: lang attribute, translated titles, escaped names, the checkpoint on the cover', () => {
  const r = buildReport(facts({ org: { id: 'org_a', name: '<script>x</script>', requireMfa: true } }), STANDARD_IDS);
  const ru = renderHtml(r, 'ru');
  const en = renderHtml(r, 'en');
  assert.match(ru, /<html lang="ru">/);
  assert.match(en, /<html lang="en">/);
  assert.ok(ru.includes('Отчёт о соответствии') && ru.includes('Управление изменениями конфигурации'));
  assert.ok(en.includes('Compliance report') && en.includes('Management of configuration changes'));
  assert.ok(!en.includes('Отчёт о соответствии'));
  assert.ok(!ru.includes('<script>x') && ru.includes('&lt;script&gt;'));
  assert.ok(en.includes('seq 10') && en.includes('ak_1'));
  assert.ok(!/<(link|script|img)\b/i.test(en), 'self-contained: no external resources');
});

test('schedules: named, every N, cron-like; bad ones explain themselves', () => {
  const t = Date.parse('2026-11-26T10:17:30Z');
  assert.equal(new Date(nextRun(parseSchedule('hourly'), t)).toISOString(), '2026-11-26T11:00:00.000Z');
  assert.equal(new Date(nextRun(parseSchedule('daily'), t)).toISOString(), '2026-11-27T00:00:00.000Z');
  assert.equal(new Date(nextRun(parseSchedule('weekly'), t)).toISOString(), '2026-11-30T00:00:00.000Z');
  assert.equal(new Date(nextRun(parseSchedule('30 6 * * 1,3'), t)).toISOString(), '2026-11-30T06:30:00.000Z');
  assert.equal(new Date(nextRun(parseSchedule('every 6h'), t)).toISOString(), '2026-11-26T12:00:00.000Z');
  assert.throws(() => parseSchedule('30 6 1 * *'), /day of month/);
  assert.throws(() => parseSchedule('61 * * * *'), /minute/);
  assert.throws(() => parseSchedule('sometimes'), /expected hourly/);
  assert.deepEqual(parseStandards('soc2,fstec'), ['soc2', 'fstec']);
  assert.throws(() => parseStandards('iso27001'), /unknown standard "iso27001"/);
});

test('snapshot redaction: credential keys, env/header values and URL passwords; secret references kept', () => {
  const cfg = redactServer({ command: 'x', env: { PGPASSWORD: 'hunter2', MODE: 'fast', TOKEN: '{{secret:T}}' }, url: 'postgres://u:pw@h/db', args: ['--token', 'ghp_abcdefghijklmnopqrstuvwxyz0123'] });
  assert.deepEqual(cfg.env, { PGPASSWORD: REDACTED, MODE: REDACTED, TOKEN: '{{secret:T}}' });
  assert.equal(cfg.url, 'postgres://u:redacted@h/db');
  assert.deepEqual(cfg.args, ['--token', REDACTED]);
  const rest = redactValue({ identity: { smtp: { host: 'mail', password: 'p@ss' } }, approvals: { slack: { token: 'xoxb-1', channel: '#ops', signingSecret: 's' } }, limits: { maxBodyBytes: 10 } }) as any;
  assert.equal(rest.identity.smtp.password, REDACTED);
  assert.equal(rest.identity.smtp.host, 'mail');
  assert.equal(rest.approvals.slack.token, REDACTED);
  assert.equal(rest.approvals.slack.signingSecret, REDACTED);
  assert.equal(rest.approvals.slack.channel, '#ops');
  assert.equal(rest.limits.maxBodyBytes, 10);
});

test('config: compliance and snapshots sections with defaults; a bad schedule or standard names the key', () => {
  const c = ConfigSchema.parse({ compliance: { schedule: 'weekly', dir: './out' }, snapshots: { schedule: 'every 6h' } });
  assert.deepEqual(c.compliance!.standards, ['soc2', 'owasp-mcp', 'gost-57580', 'fstec']);
  assert.deepEqual(c.compliance!.formats, ['html', 'json']);
  assert.equal(c.snapshots!.beforePolicyChange, true);
  const bad = ConfigSchema.safeParse({ compliance: { schedule: 'at noon' } });
  assert.ok(!bad.success);
  assert.deepEqual(bad.error.issues[0]!.path, ['compliance', 'schedule']);
  assert.match(bad.error.issues[0]!.message, /expected hourly, daily, weekly/);
  const std = ConfigSchema.safeParse({ compliance: { standards: ['pci'] } });
  assert.ok(!std.success);
  assert.deepEqual(std.error.issues[0]!.path, ['compliance', 'standards', 0]);
  assert.ok(!ConfigSchema.safeParse({ snapshots: { every: 'day' } }).success, 'unknown keys are refused');
});
