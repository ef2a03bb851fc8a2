import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startFlowLink, servers, ROOT, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';
import { MASTER_KEY_ENV } from '../../src/secrets/master-key.ts';
import { startFakeAlertmanager } from '../fakes/siem/alertmanager.ts';
import { ensureConsoleBuilt, launch, shot, PASSWORD } from './harness.ts';

// The console's Shield, servers, agents, secrets, integrations and compliance pages in Debian's
// chromium against a real FlowLink (real MCP servers, real REST API): each page shows a real datum.
const dir = mkdtempSync(join(tmpdir(), 'fl-pages2-'));
const ops = { command: process.execPath, args: [resolve(ROOT, 'test/fixtures/ops-server.mjs')], env: { OPS_LOG: join(dir, 'ops.log'), OPS_DESC_FILE: join(dir, 'desc.txt') } };
const SECRET_VALUE = `s3cr3t-${randomBytes(6).toString('hex')}`;
let fl: Running;
let browser: Awaited<ReturnType<typeof launch>>;
let page: Page;
let orgId: string;
let agentName: string;
let alertmanager: Awaited<ReturnType<typeof startFakeAlertmanager>>;
const savedKey = process.env[MASTER_KEY_ENV];

/** A JSON request from inside the signed-in browser, as the console makes it (cookie + CSRF header). */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const cookie = (globalThis as unknown as { document: { cookie: string } }).document.cookie;
      const csrf = cookie.split('; ').find((c: string) => c.startsWith('fl_csrf='))?.slice('fl_csrf='.length);
      const r = await fetch(`/api${path}`, { method, headers: { 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': decodeURIComponent(csrf) } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { status: r.status, body: r.status === 204 ? null : await r.json() };
    },
    { method, path, body },
  );
}

before(async () => {
  ensureConsoleBuilt();
  writeFileSync(join(dir, 'desc.txt'), 'Deploy a service');
  process.env[MASTER_KEY_ENV] = randomBytes(32).toString('base64');
  alertmanager = await startFakeAlertmanager();
  const siem = { sinks: [{ type: 'alertmanager', name: 'alerts', url: alertmanager.url, minSeverity: 'high' }], pollInterval: 100 };
  fl = await startFlowLink({ servers: { everything: servers.everything, ops }, approvals: {}, identity: { signup: 'open' }, siem });
  browser = await launch();
  page = browser.page;
  await page.goto(`${fl.url}/console/sign-up`);
  await page.getByLabel('Name').fill('Olga Owner');
  await page.getByLabel('Email').fill('owner2@example.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((u) => u.pathname === '/console/');
  orgId = (await call('GET', '/v1/orgs')).body.orgs[0].id;
  assert.equal(orgId, fl.orgId, 'the first account owns the default org');

  // An agent created through the API uses the gateway: ops' poisoned tool is pinned into quarantine.
  agentName = `api-agent-${Date.now()}`;
  const made = await call('POST', `/v1/orgs/${orgId}/agents`, { name: agentName });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const c = await connectClient(`${fl.url}/mcp/ops`, made.body.token);
  try {
    await c.client.listTools();
  } finally {
    await c.close();
  }
});
after(async () => {
  await browser?.close();
  await fl?.stop();
  await alertmanager?.close();
  if (savedKey === undefined) delete process.env[MASTER_KEY_ENV];
  else process.env[MASTER_KEY_ENV] = savedKey;
});

test('Shield: the test box blocks rm -rf /, the poisoned ops tool waits for review, rule packs are listed', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Shield' }).click();
  await page.getByTestId('shield-input').fill('rm -rf /');
  await page.getByTestId('shield-analyze').click();
  const verdict = page.getByTestId('shield-verdict');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-verdict'), 'block');
  await page.getByTestId('shield-result').getByText('fs.rm-recursive-critical-path', { exact: true }).waitFor();
  const review = page.getByTestId('shield-review');
  await review.getByText('ops/notes').waitFor();
  await review.getByText('flagged at first sight').waitFor();
  await page.getByRole('cell', { name: 'filesystem', exact: true }).waitFor();
  await shot(page, 'shield');

  // Reject it through the page (with its confirmation); the queue empties.
  await review.getByRole('button', { name: 'Reject' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Reject' }).click();
  await page.getByText('No tool is waiting for review.').waitFor();
  const pins = await call('GET', `/v1/orgs/${orgId}/shield/pins?status=rejected`);
  assert.deepEqual(pins.body.pins.map((p: { tool: string }) => p.tool), ['notes']);
  // A rejection can be reviewed again: the rejected view offers only approval.
  await page.getByLabel('Show').selectOption('rejected');
  await review.getByText('ops/notes').waitFor();
  assert.equal(await review.getByRole('button', { name: 'Reject' }).count(), 0);
  assert.equal(await review.getByRole('button', { name: 'Approve' }).count(), 1);
  await page.getByLabel('Show').selectOption('review');
});

test('Upstream servers: the everything server is ready and its tools carry this org\u2019s pins', async () => {
  const c = await connectClient(`${fl.url}/mcp/everything`, fl.token);
  try {
    await c.client.listTools();
  } finally {
    await c.close();
  }
  await page.getByRole('navigation').getByRole('link', { name: 'Upstream servers' }).click();
  const card = page.locator('section', { has: page.getByTestId('server-name').getByText('everything', { exact: true }) });
  await card.getByText('ready').waitFor();
  await card.getByRole('button', { name: 'Tools' }).click();
  const tools = page.getByTestId('tools-everything');
  await tools.getByText('echo', { exact: true }).waitFor();
  assert.ok((await tools.getByText('approved').count()) > 0, 'pinned tools show as approved');
  assert.equal(await card.getByRole('button', { name: 'Restart' }).count(), 1, 'an owner of the default org may restart');
  await shot(page, 'servers');
});

test('Agents: the API-made agent shows when it was last seen; a new one shows its token once', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Agents and API keys' }).click();
  const row = page.getByRole('row', { name: new RegExp(agentName) });
  await row.waitFor();
  const seen = (await row.getByTestId('agent-last-seen').textContent()) ?? '';
  assert.notEqual(seen.trim(), 'never', 'the agent used its token, so it has been seen');
  await page.getByTestId('agent-create').click();
  await page.getByTestId('agent-name').fill('console-made');
  await page.getByTestId('agent-create-submit').click();
  const token = (await page.getByTestId('once-secret').textContent())!.trim();
  assert.match(token, /^fl_agent_/);
  await shot(page, 'agents-token-once');
  await page.getByRole('button', { name: 'I have saved it' }).click();
  await page.getByRole('row', { name: /console-made/ }).waitFor();
  assert.equal(await page.getByText(token).count(), 0, 'the token is gone once the dialog is closed');
  await shot(page, 'agents');
});

test('Secrets: a value set through the write-only field is stored as version 1 and never shown', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Secrets' }).click();
  await page.getByTestId('secret-new').click();
  await page.getByTestId('secret-name').fill('DEMO_TOKEN');
  await page.getByTestId('secret-value').fill(SECRET_VALUE);
  await page.getByTestId('secret-save').click();
  await page.getByTestId('secret-version-DEMO_TOKEN').getByText('v1').waitFor();
  assert.equal((await page.content()).includes(SECRET_VALUE), false, 'the value is nowhere in the page');
  const listed = await call('GET', `/v1/orgs/${orgId}/secrets`);
  assert.equal(JSON.stringify(listed.body).includes(SECRET_VALUE), false);
  await page.getByRole('row', { name: /DEMO_TOKEN/ }).getByRole('button', { name: 'Versions and uses' }).click();
  await page.getByTestId('secret-history').getByText('v1').first().waitFor();
  await shot(page, 'secrets');
});

test('Integrations: a Slack link made through the API is listed, a Telegram code is issued, the SIEM sink shows its deliveries', async () => {
  const me = (await call('GET', '/v1/me')).body.user.id as string;
  const linked = await call('PUT', `/v1/orgs/${orgId}/approvals-links/slack`, { userId: me, slackUserId: 'U0PAGES2' });
  assert.equal(linked.status, 200, JSON.stringify(linked.body));
  await page.getByRole('navigation').getByRole('link', { name: 'Integrations' }).click();
  await page.getByText('U0PAGES2').waitFor();
  await page.getByRole('button', { name: 'Get a code' }).click();
  const code = (await page.getByTestId('telegram-code').textContent()) ?? '';
  assert.match(code, /\/link \S{6,}/);
  await page.getByText('Vault', { exact: true }).waitFor();
  // The poisoned tool flagged at setup is a high-severity event: it reaches the fake Alertmanager.
  for (let i = 0; i < 200 && alertmanager.received.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(alertmanager.received.some((e) => e.kind === 'tool.flagged'), 'the sink delivered the flagged tool');
  await page.reload();
  const sink = page.getByRole('row', { name: /alerts/ });
  await sink.waitFor();
  assert.match((await sink.textContent()) ?? '', /delivering|behind/);
  await shot(page, 'integrations');
});

test('Compliance: scores per standard, and two snapshots compared show the agent added between them', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Compliance' }).click();
  const soc2 = page.getByTestId('score-soc2');
  await soc2.waitFor();
  assert.match((await soc2.textContent()) ?? '', /^(\d+(\.\d+)?%|—)$/);
  await page.getByRole('button', { name: 'Take a snapshot' }).click();
  await page.getByRole('row', { name: /manual/ }).first().waitFor();
  const added = await call('POST', `/v1/orgs/${orgId}/agents`, { name: 'between-snapshots' });
  assert.equal(added.status, 201);
  await page.getByRole('button', { name: 'Take a snapshot' }).click();
  await page.waitForFunction("document.querySelectorAll('tr').length >= 3");
  const snaps = (await call('GET', `/v1/orgs/${orgId}/snapshots`)).body.snapshots as { id: string }[];
  assert.equal(snaps.length, 2);
  await page.getByTestId('diff-from').selectOption(snaps[1]!.id);
  await page.getByTestId('diff-to').selectOption(snaps[0]!.id);
  await page.getByTestId('diff-show').click();
  await page.getByTestId('snapshot-diff').getByText('between-snapshots').waitFor();
  await shot(page, 'compliance');
});

test('the pages speak Russian when the language is switched', async () => {
  await page.getByTestId('lang').selectOption('ru');
  await page.getByRole('navigation').getByRole('link', { name: 'Shield' }).click();
  await page.getByText('Проверка', { exact: true }).waitFor();
  await page.getByRole('navigation').getByRole('link', { name: 'Серверы' }).click();
  await page.getByRole('heading', { name: 'Вышестоящие серверы' }).waitFor();
  await shot(page, 'servers-ru');
  await page.getByTestId('lang').selectOption('en');
});
