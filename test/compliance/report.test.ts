import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFlowLink, servers, type Running } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, uniqueEmail, type Api } from '../identity/harness.ts';
import { orgSettingsRepo } from '../../src/identity/orgs.repo.ts';
import { createChromiumPdf } from '../../src/compliance/render/pdf.ts';

// Compliance reports evaluated against a real FlowLink's state, through the service and the REST API.
const PLAIN = 'plain-token-value-7f3a9c';
let fl: Running;
let owner: Browser;
let outsider: Browser;
let home: string;
let other: string;
const tmp = mkdtempSync(join(tmpdir(), 'fl-compliance-'));

async function signUp(email: string): Promise<Browser> {
  const b = new Browser({ app: fl.fl.app } as unknown as Api);
  const r = await b.req('POST', '/api/v1/auth/sign-up', { email, password: PASSWORD, name: 'T' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return b;
}

async function bearer(orgId: string, role: string): Promise<Record<string, string>> {
  const made = await owner.req('POST', `/api/v1/orgs/${orgId}/api-keys`, { name: `k-${role}`, role, expiresInDays: 30 });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return { authorization: `Bearer ${made.body.secret}` };
}

before(async () => {
  fl = await startFlowLink({
    identity: { signup: 'open' },
    servers: { everything: servers.everything, memory: { ...servers.memory, env: { ...servers.memory.env, API_TOKEN: PLAIN } } },
    policies: { rules: [{ id: 'everything-reads', effect: 'allow', match: { servers: ['everything'] } }] },
    shield: { enabled: true, disable: ['sql.truncate'] },
  });
  owner = await signUp(uniqueEmail('owner'));
  home = (await owner.req('GET', '/api/v1/orgs')).body.orgs[0].id;
  assert.equal(home, fl.orgId, 'the first account owns the default org');
  outsider = await signUp(uniqueEmail('other'));
  other = (await outsider.req('POST', '/api/v1/orgs', { name: `other-${Date.now()}` })).body.org.id;
});
after(async () => {
  await fl?.stop();
});

test('checks read real state: 2FA enforced or not, a server no policy names, a plaintext credential in a server env', async () => {
  let r = await fl.fl.compliance.report(home);
  assert.equal(r.checks['mfa.enforced']!.status, 'fail');
  assert.equal(r.checks['mfa.members']!.status, 'fail', 'the owner has no 2FA');
  await orgSettingsRepo.update(fl.fl.store, home, { requireMfa: true });
  try {
    r = await fl.fl.compliance.report(home);
    assert.equal(r.checks['mfa.enforced']!.status, 'pass');
  } finally {
    await orgSettingsRepo.update(fl.fl.store, home, { requireMfa: false });
  }
  const cov = r.checks['policy.server-coverage']!;
  assert.equal(cov.status, 'partial');
  assert.deepEqual(cov.evidence.uncovered, ['memory']);
  assert.deepEqual(cov.evidence.covered, ['everything']);
  const plain = r.checks['secrets.no-plaintext']!;
  assert.equal(plain.status, 'fail');
  assert.deepEqual(plain.evidence.plaintext, ['memory.env.API_TOKEN']);
  const gated = r.checks['shield.high-risk-gated']!;
  assert.equal(gated.status, 'partial', 'a high-severity Shield rule is switched off');
  assert.deepEqual(gated.evidence.disabled, ['sql.truncate']);
  const sql = (gated.evidence.categories as string[]).find((c) => c.startsWith('sql '))!;
  assert.match(sql, /^sql (\d+)\/(\d+)$/);
  const [, g, h] = /^sql (\d+)\/(\d+)$/.exec(sql)!;
  assert.equal(Number(g), Number(h) - 1, 'one rule of the sql category is not gated');
  assert.equal(r.checks['audit.chain']!.status, 'pass');
  assert.ok(!JSON.stringify(r).includes(PLAIN), 'the value never appears in a report');
  const html = String((await fl.fl.compliance.render(r, 'html', 'en')).body);
  assert.ok(!html.includes(PLAIN));
  assert.ok(html.includes('memory.env.API_TOKEN'));
});

test('a tampered audit record fails the chain check, named by its sequence number', async () => {
  for (let i = 0; i < 3; i++) await fl.fl.compliance.generate(other, { format: 'json', lang: 'en', trigger: 'api', actor: { type: 'system', id: 'test' } });
  let r = await fl.fl.compliance.report(other);
  assert.equal(r.checks['audit.chain']!.status, 'pass');
  assert.ok(Number(r.checks['audit.chain']!.evidence.records) >= 3);
  await fl.fl.store.query(`UPDATE audit_events SET data = jsonb_set(data, '{lang}', '"ru"') WHERE org_id = $1 AND seq = 2`, [other]);
  r = await fl.fl.compliance.report(other);
  const chain = r.checks['audit.chain']!;
  assert.equal(chain.status, 'fail');
  assert.equal(chain.evidence.first_seq, 2);
  assert.deepEqual(chain.evidence.kinds, ['edited']);
  assert.equal(r.checks['mfa.members']!.status, 'fail');
  const rsb7 = r.standards.find((s) => s.id === 'fstec')!.controls.find((c) => c.id === 'РСБ.7')!;
  assert.notEqual(rsb7.status, 'pass');
});

test('REST: scores, the full report with evidence, and downloads in each format, recorded in the audit log', async () => {
  const sum = await owner.req('GET', `/api/v1/orgs/${home}/compliance/summary`);
  assert.equal(sum.status, 200, JSON.stringify(sum.body));
  assert.deepEqual(sum.body.standards.map((s: { id: string }) => s.id), ['soc2', 'owasp-mcp', 'gost-57580', 'fstec']);
  for (const s of sum.body.standards) assert.ok(typeof s.score === 'number' && s.score >= 0 && s.score <= 100);
  const one = await owner.req('GET', `/api/v1/orgs/${home}/compliance/report?standard=owasp-mcp`);
  assert.equal(one.body.standards.length, 1);
  const mcp08 = one.body.standards[0].controls.find((c: { id: string }) => c.id === 'MCP08');
  assert.deepEqual(mcp08.checks, ['audit.chain', 'audit.checkpoint', 'siem.delivering', 'retention.configured']);
  for (const c of one.body.standards[0].controls) for (const k of c.checks) assert.ok(Object.keys(one.body.checks[k].evidence).length > 0, `${k} has evidence`);
  const bad = await owner.req('GET', `/api/v1/orgs/${home}/compliance/report?standard=iso27001`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /unknown standard "iso27001"/);
  const cat = await owner.req('GET', `/api/v1/orgs/${home}/compliance/standards`);
  assert.equal(cat.body.standards.find((s: { id: string }) => s.id === 'gost-57580').controls[0].id, 'УЗП');

  const before = Number((await fl.fl.store.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE org_id = $1 AND kind = 'report.generated'`, [home]))[0]!.n);
  const html = await fl.fl.app.inject({ method: 'GET', url: `/api/v1/orgs/${home}/compliance/report/download?format=html&lang=ru&standard=fstec`, headers: { cookie: [...owner.jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
  assert.equal(html.statusCode, 200);
  assert.match(String(html.headers['content-type']), /^text\/html/);
  assert.match(String(html.headers['content-disposition']), /attachment; filename="flowlink-compliance-default-.*-ru\.html"/);
  assert.ok(html.body.includes('Приказы ФСТЭК России') && html.body.includes('Идентификация и аутентификация пользователей'));
  const json = await owner.req('GET', `/api/v1/orgs/${home}/compliance/report/download?format=json`);
  assert.equal(json.body.format, 'flowlink-compliance-report');
  const rows = await fl.fl.store.query<{ data: { format: string; lang: string; trigger: string } }>(`SELECT data FROM audit_events WHERE org_id = $1 AND kind = 'report.generated' ORDER BY seq`, [home]);
  assert.equal(rows.length, before + 2);
  assert.deepEqual(rows.slice(-2).map((r) => `${r.data.format}/${r.data.lang}/${r.data.trigger}`), ['html/ru/api', 'json/en/api']);
});

test('roles and organizations: an auditor key reads, a viewer key is refused, another org sees nothing', async () => {
  const auditor = await bearer(home, 'auditor');
  assert.equal((await fl.fl.app.inject({ method: 'GET', url: `/api/v1/orgs/${home}/compliance/summary`, headers: auditor })).statusCode, 200);
  const viewer = await bearer(home, 'viewer');
  const v = await fl.fl.app.inject({ method: 'GET', url: `/api/v1/orgs/${home}/compliance/summary`, headers: viewer });
  assert.equal(v.statusCode, 403);
  assert.match(v.body, /reports\.read/);
  for (const url of ['summary', 'report', 'report/download?format=json', 'standards']) {
    const r = await outsider.req('GET', `/api/v1/orgs/${home}/compliance/${url}`);
    assert.equal(r.status, 404, `${url}: not a member of the home org`);
  }
  assert.equal((await fl.fl.app.inject({ method: 'GET', url: `/api/v1/orgs/${other}/compliance/summary`, headers: auditor })).statusCode, 404, "a key of one org on another org's route");
  const mine = await outsider.req('GET', `/api/v1/orgs/${other}/compliance/report`);
  assert.equal(mine.status, 200);
  assert.equal(mine.body.org.id, other);
});

test('PDF: a valid document with Cyrillic control titles; its first page converts to an image', async () => {
  const res = await fl.fl.app.inject({ method: 'GET', url: `/api/v1/orgs/${home}/compliance/report/download?format=pdf&lang=ru`, headers: { cookie: [...owner.jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  assert.equal(res.headers['content-type'], 'application/pdf');
  const pdf = res.rawPayload;
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const file = join(tmp, 'report.pdf');
  writeFileSync(file, pdf);
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  assert.ok(Number(/Pages:\s+(\d+)/.exec(info)![1]) >= 4, 'cover, scores and one part per standard');
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  for (const s of ['Отчёт о соответствии', 'ГОСТ Р 57580.1-2017', 'Управление учётными записями', 'Отравление инструментов', 'ИАФ.1']) assert.ok(text.includes(s), `PDF text has "${s}"`);
  execFileSync('pdftoppm', ['-png', '-r', '40', '-f', '1', '-l', '1', file, join(tmp, 'page')]);
  const png = [join(tmp, 'page-1.png'), join(tmp, 'page-01.png')].find((p) => existsSync(p))!;
  assert.ok(png, 'pdftoppm wrote page 1');
  assert.equal(readFileSync(png).subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(statSync(png).size > 1000);
});

test('without Chromium a PDF is refused with a message naming the missing program', async () => {
  await assert.rejects(createChromiumPdf({ executablePath: join(tmp, 'no-chromium') }).render('<p>x</p>'), (err: Error & { code?: string }) => err.code === 'not_acceptable' && /Chromium at .*no-chromium/.test(err.message) && /apt-get install -y chromium/.test(err.message));
});
