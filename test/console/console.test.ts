import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFlowLink, ROOT, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';
import { usersRepo } from '../../src/identity/accounts.repo.ts';
import { membersRepo } from '../../src/identity/orgs.repo.ts';
import { ensureConsoleBuilt, fitsWidth, launch, PASSWORD, shot, signUpOwner } from './harness.ts';

const log = join(mkdtempSync(join(tmpdir(), 'fl-console-')), 'ops.log');
const ops = { command: process.execPath, args: [resolve(ROOT, 'test/fixtures/ops-server.mjs')], env: { OPS_LOG: log } };
const PUSH = 'git push --force origin main';

let fl: Running;
let browser: Awaited<ReturnType<typeof launch>>;

before(async () => {
  ensureConsoleBuilt();
  fl = await startFlowLink({
    servers: { ops },
    approvals: { progressInterval: '500ms' },
    // Every run_command waits for a person (Shield would also flag the force push).
    policies: { rules: [{ id: 'ops-needs-approval', effect: 'approve', reason: 'Commands on the ops host need a second pair of eyes', match: { servers: ['ops'], tools: ['run_command'] } }] },
  });
  browser = await launch();
  await signUpOwner(browser.page, fl.url);
});
after(async () => {
  await browser?.close();
  await fl?.stop();
});

test("a real MCP client's risky call shows up live in the queue, is approved in the console, and the client gets the result", async () => {
  const { page } = browser;
  await page.goto(`${fl.url}/console/approvals`);
  await page.getByText('No calls are waiting for approval.').waitFor();
  await page.getByText('Live', { exact: true }).waitFor();

  const c = await connectClient(`${fl.url}/mcp/ops`, fl.token);
  try {
    const call = c.client
      .callTool({ name: 'run_command', arguments: { command: PUSH } }, { resetTimeoutOnProgress: true, timeout: 60_000, onprogress: () => {} } as never)
      .then((r) => (r.content as { text: string }[])[0]!.text);
    // No reload: the card arrives through the approvals stream.
    const card = page.getByTestId('approval-card').first();
    await card.waitFor();
    assert.match((await card.textContent()) ?? '', /ops\/run_command/);
    await shot(page, 'approvals');
    // The menu counts waiting requests (and the tab title shows it).
    await page.getByTestId('pending-count').filter({ hasText: '1' }).waitFor();
    assert.equal(await page.title(), '(1) FlowLink');

    // On a phone: the request page fits 390 px and its buttons are reachable.
    await page.setViewportSize({ width: 390, height: 844 });
    await card.click();
    const detail = page.getByTestId('approval-detail');
    await detail.waitFor();
    assert.match((await detail.textContent()) ?? '', /git push --force origin main/, 'the arguments are shown');
    assert.match((await detail.textContent()) ?? '', /ops-needs-approval/, 'the matched policy is shown');
    const fit = await fitsWidth(page);
    assert.ok(fit.scroll <= fit.width, `no sideways scrolling at 390 px (${fit.scroll} > ${fit.width})`);
    await shot(page, 'approval-phone');
    await page.getByTestId('approve').click();
    await page.locator('[data-testid="approval-detail"][data-state="approved"]').waitFor();
    assert.equal(await call, `ran: ${PUSH}`, 'the agent receives the upstream result');
    assert.match((await page.getByTestId('decision').textContent()) ?? '', /owner@example\.test via web/);
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByTestId('pending-count').waitFor({ state: 'detached' });

    // A denied call: the reason reaches the agent.
    const denied = c.client
      .callTool({ name: 'run_command', arguments: { command: 'systemctl restart api' } }, { resetTimeoutOnProgress: true, timeout: 60_000, onprogress: () => {} } as never)
      .then(() => 'result', (err: Error) => err.message);
    await page.getByRole('link', { name: /All approvals/ }).click();
    await page.getByTestId('approval-card').first().click();
    await page.getByTestId('deny').click();
    await page.getByLabel('Reason (the agent sees it)').fill('not during the freeze');
    await page.getByTestId('deny-confirm').click();
    await page.locator('[data-testid="approval-detail"][data-state="denied"]').waitFor();
    assert.match(await denied, /not during the freeze/);
  } finally {
    await c.close();
  }
});

test('a policy edit is validated inline, simulated against recorded calls, saved, and rolled back', async () => {
  const { page } = browser;
  await page.goto(`${fl.url}/console/policies`);
  const version = Number(await page.getByTestId('active-version').getAttribute('data-version'));
  assert.ok(version >= 1);
  const current = (await (await page.request.get(`${fl.url}/api/v1/orgs/${fl.orgId}/policies`)).json()) as { document: { policies: { rules: unknown[] } } };

  await page.getByRole('radio', { name: 'JSON' }).click();
  const text = page.getByTestId('policy-text');
  // An invalid effect: the API's validation message shows under the editor, naming the rule.
  const bad = structuredClone(current.document);
  bad.policies.rules.unshift({ id: 'no-ops', effect: 'maybe', match: { tools: ['run_command'] } });
  await text.fill(JSON.stringify(bad, null, 2));
  await page.getByTestId('simulate').click();
  const errors = page.getByTestId('policy-errors');
  await errors.waitFor();
  assert.match((await errors.textContent()) ?? '', /no-ops/);
  assert.equal(await text.getAttribute('aria-invalid'), 'true');
  // A syntax error is caught before anything is sent.
  await text.fill('{ "policies": ');
  await errors.waitFor();

  const good = structuredClone(current.document);
  good.policies.rules.unshift({ id: 'no-ops', priority: 1000, effect: 'deny', reason: 'ops host frozen', match: { servers: ['ops'], tools: ['run_command'] } });
  await text.fill(JSON.stringify(good, null, 2));
  await page.getByTestId('simulate').click();
  const sim = page.getByTestId('sim-blocked');
  await sim.waitFor();
  // The approved and the denied run_command calls of the first test: the approved one becomes blocked.
  assert.match((await sim.textContent()) ?? '', /ops\/run_command/);
  await shot(page, 'policies-simulation');

  await page.getByRole('button', { name: 'Save as new version' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await page.locator(`[data-testid="active-version"][data-version="${version + 1}"]`).waitFor();
  const saved = (await (await page.request.get(`${fl.url}/api/v1/orgs/${fl.orgId}/policies`)).json()) as { version: number; document: { policies: { rules: { id: string }[] } } };
  assert.equal(saved.version, version + 1);
  assert.ok(saved.document.policies.rules.some((r) => r.id === 'no-ops'));

  await page.getByRole('tab', { name: 'Versions' }).click();
  const previous = page.locator(`[data-version="${version}"]`);
  await previous.getByRole('button', { name: 'Roll back…' }).click();
  await shot(page, 'policies-versions');
  await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
  await page.locator(`[data-testid="active-version"][data-version="${version + 2}"]`).waitFor();
  const rolled = (await (await page.request.get(`${fl.url}/api/v1/orgs/${fl.orgId}/policies`)).json()) as { version: number; document: { policies: { rules: { id: string }[] } } };
  assert.equal(rolled.version, version + 2);
  assert.ok(!rolled.document.policies.rules.some((r) => r.id === 'no-ops'), 'the rollback removed the rule');
});

test('live activity shows a call as it happens; overview, call record, history with export, chain status and organization render', async () => {
  const { page } = browser;
  await page.goto(`${fl.url}/console/activity`);
  await page.getByTestId('activity').waitFor();
  await page.getByText('Live', { exact: true }).waitFor();
  const rows = page.getByTestId('activity').locator('tbody tr');
  const before = await rows.count();
  const c = await connectClient(`${fl.url}/mcp/ops`, fl.token);
  try {
    const r = await c.client.callTool({ name: 'deploy', arguments: { service: 'billing' } });
    assert.equal((r.content as { text: string }[])[0]!.text, 'deployed billing');
  } finally {
    await c.close();
  }
  // Arrives through the activity stream (no reload).
  await page.getByTestId('activity').getByText('ops/deploy').waitFor();
  assert.equal(await rows.count(), before + 1);
  await shot(page, 'activity');

  await page.getByTestId('activity').getByText('ops/deploy').click();
  await page.getByTestId('call-record').waitFor();
  assert.match((await page.getByTestId('call-record').textContent()) ?? '', /billing/);
  await shot(page, 'call-record');

  await page.goto(`${fl.url}/console/`);
  await page.getByTestId('stat-calls').waitFor();
  assert.ok(Number((await page.getByTestId('stat-calls').locator('p').nth(1).textContent())?.replace(/\D/g, '')) >= 3, 'the overview counts the calls');
  await shot(page, 'overview');

  await page.goto(`${fl.url}/console/history?tool=run_command`);
  await page.getByTestId('history').waitFor();
  assert.equal(await page.getByTestId('history').getByText('ops/deploy').count(), 0, 'the tool filter applies');
  assert.ok((await page.getByTestId('history').locator('tbody tr').count()) >= 2);
  const csv = await page.request.get(`${fl.url}${await page.getByTestId('export-csv').getAttribute('href')}`);
  assert.equal(csv.status(), 200);
  const lines = (await csv.text()).trim().split(/\r?\n/);
  assert.match(lines[0]!, /^time,/);
  assert.ok(lines.slice(1).every((l) => l.includes('run_command')), 'the export carries the same filter');
  await page.locator('[data-testid="chain-status"][data-intact="true"]').waitFor();
  await shot(page, 'history');
  await page.getByRole('tab', { name: 'Audit log' }).click();
  await page.getByTestId('audit-events').getByText('approval.approved').first().waitFor();
  await shot(page, 'audit-log');

  await page.goto(`${fl.url}/console/organization`);
  await page.getByRole('cell', { name: /owner@example\.test/ }).waitFor();
  await page.getByLabel('Email', { exact: true }).fill('new.approver@example.test');
  await page.getByLabel('Role').selectOption('approver');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await page.getByText(/shown here once/).waitFor();
  await page.getByRole('cell', { name: 'new.approver@example.test' }).waitFor();
  await shot(page, 'organization');

  // A role change asks first; cancelling changes nothing, confirming applies it.
  const orgId = (await fl.fl.store.query<{ org_id: string }>(`SELECT m.org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'owner@example.test'`))[0]!.org_id;
  await usersRepo.insert(fl.fl.store, { id: 'usr_console_member', email: 'member@example.test', name: 'Member', passwordHash: null });
  await membersRepo.add(fl.fl.store, orgId, 'usr_console_member', 'viewer');
  await page.reload();
  const roleOf = () => fl.fl.store.query<{ role: string }>(`SELECT role FROM memberships WHERE user_id = 'usr_console_member'`).then((r) => r[0]!.role);
  await page.getByLabel('Role: member@example.test').selectOption('admin');
  await page.getByRole('dialog', { name: 'Change the role of member@example.test?' }).getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await roleOf(), 'viewer', 'nothing changes before confirmation');
  await page.getByLabel('Role: member@example.test').selectOption('approver');
  await page.getByRole('dialog', { name: 'Change the role of member@example.test?' }).getByRole('button', { name: 'Change role' }).click();
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  assert.equal(await roleOf(), 'approver');
});

test('switching the language changes the UI and is remembered for the user; the dark theme too', async () => {
  const { page } = browser;
  await page.goto(`${fl.url}/console/approvals`);
  await page.getByRole('navigation').getByRole('link', { name: 'Approvals' }).waitFor();
  await page.getByTestId('lang').selectOption('ru');
  await page.getByRole('navigation').getByRole('link', { name: 'Одобрения' }).waitFor();
  assert.equal(await page.evaluate('document.documentElement.lang'), 'ru');
  await page.reload();
  await page.getByRole('heading', { name: 'Одобрения' }).waitFor();
  await shot(page, 'approvals-ru');

  // Signed out, another language is picked on this browser; signing in brings the user's own back.
  await page.getByTestId('sign-out').click();
  await page.waitForURL(/sign-in/);
  await page.getByTestId('lang').selectOption('en');
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill('owner@example.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation').getByRole('link', { name: 'Одобрения' }).waitFor();
  await page.getByTestId('lang').selectOption('en');
  await page.getByRole('navigation').getByRole('link', { name: 'Approvals' }).waitFor();

  // Dark theme: switched on the page, applied before the first paint after a reload.
  await page.goto(`${fl.url}/console/policies`);
  await page.getByTestId('theme').selectOption('dark');
  assert.equal(await page.evaluate('document.documentElement.classList.contains("dark")'), true);
  await page.reload();
  await page.getByTestId('active-version').waitFor();
  assert.equal(await page.evaluate('document.documentElement.classList.contains("dark")'), true);
  await shot(page, 'policies-dark');
  await page.getByTestId('theme').selectOption('light');
  assert.equal(await page.evaluate('document.documentElement.classList.contains("dark")'), false);
});
