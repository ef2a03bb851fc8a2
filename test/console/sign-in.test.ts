import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, type Running } from '../helpers/flowlink.ts';
import { ensureConsoleBuilt, launch, shot, totp, PASSWORD } from './harness.ts';

let fl: Running;
let browser: Awaited<ReturnType<typeof launch>>;

before(async () => {
  ensureConsoleBuilt();
  fl = await startFlowLink({ servers: {} });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await fl?.stop();
});

test('sign up, turn on 2FA with the QR page, sign out, sign in with password and a TOTP code', async () => {
  const { page } = browser;
  await page.goto(`${fl.url}/`);
  // Not signed in: the console sends us to sign-in.
  await page.waitForURL(/\/console\/sign-in/);
  await page.getByTestId('sign-in-form').waitFor();
  await shot(page, 'sign-in');
  await page.locator('[data-testid="sign-in-form"][data-providers=""]').waitFor();
  assert.equal(await page.getByRole('link', { name: /Sign in with/ }).count(), 0, 'no provider buttons when the API lists none');

  await page.getByRole('link', { name: /create the first account/i }).click();
  await page.getByLabel('Name').fill('Olga Owner');
  await page.getByLabel('Email').fill('owner@example.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((u) => u.pathname === '/console/');

  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByTestId('tfa-start').click();
  const secret = (await page.getByTestId('tfa-secret').textContent())!.trim();
  assert.match(secret, /^[A-Z2-7]+=*$/);
  assert.equal(await page.getByRole('img', { name: /QR code/ }).count(), 1, 'the QR code is drawn');
  await shot(page, 'account-2fa-setup');
  const enrolledAt = Date.now();
  await page.getByLabel('Code from the app').fill(totp(secret, enrolledAt));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = await page.getByTestId('recovery-codes').locator('li').allTextContents();
  assert.ok(codes.length >= 8, `recovery codes are shown once (${codes.length})`);
  await page.getByTestId('recovery-done').click();
  await page.getByText('On: signing in asks for a code').waitFor();
  // No provider configured here: the sign-in methods card says so and offers nothing to link.
  await page.getByText('No provider is linked.').waitFor();
  assert.equal(await page.getByRole('button', { name: /^Link / }).count(), 0);
  await shot(page, 'account');

  await page.getByTestId('sign-out').click();
  await page.waitForURL(/\/console\/sign-in/);
  await page.getByLabel('Email').fill('owner@example.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('totp-form').waitFor();
  // A wrong code is refused with the API's message, inline.
  await page.getByLabel('Code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('alert').waitFor();
  assert.match((await page.getByRole('alert').textContent()) ?? '', /code/i);
  // The enrolment code's step is used up (replay protection): the next step's code, inside the drift window, is accepted.
  await page.getByLabel('Code').fill(totp(secret, enrolledAt + 30_000));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForURL((u) => u.pathname === '/console/');
  await page.getByRole('navigation').getByRole('link', { name: 'Approvals' }).waitFor();
  const me = (await page.evaluate(async () => (await fetch('/api/v1/me')).json())) as { user: { email: string; twoFactorEnabled: boolean }; orgs: { role: string }[] };
  assert.equal(me.user.email, 'owner@example.test');
  assert.equal(me.user.twoFactorEnabled, true);
  assert.equal(me.orgs[0]?.role, 'owner');
});
