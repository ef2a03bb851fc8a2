import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { ROOT } from '../helpers/flowlink.ts';
import { buildConsole } from '../../console/build.mjs';

export const CHROMIUM = process.env.FLOWLINK_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = resolve(ROOT, 'test-results/console');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Builds console/dist when it is missing or older than its sources (a few seconds). */
export function ensureConsoleBuilt(): void {
  buildConsole({ ifNeeded: true, quiet: true });
  if (!existsSync(resolve(ROOT, 'console/dist/index.html'))) throw new Error('console/dist/index.html is missing after the build: is vite installed (npm ci)?');
}

/**
 * Debian's chromium driven by playwright-core, with a fresh profile. A missing browser is
 * an error, never a skip: install it with `apt-get install -y chromium` (.ci/run does).
 */
export async function launch(opts: { width?: number; height?: number; locale?: string } = {}): Promise<{ ctx: BrowserContext; page: Page; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required for the console tests and is not at ${CHROMIUM}: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'fl-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 },
    locale: opts.locale ?? 'en-US',
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.setDefaultTimeout(15_000);
  return {
    ctx,
    page,
    async close() {
      await ctx.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The TOTP code an authenticator app would show for `secret` (base32) at `at`. */
export function totp(secret: string, at = Date.now()): string {
  return generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(at / 30_000)), 6);
}

export const PASSWORD = 'console test password 1';

/** Creates the first account (owner of the default org) through the API, in the browser's cookie jar. */
export async function signUpOwner(page: Page, baseUrl: string, email = 'owner@example.test'): Promise<void> {
  const r = await page.request.post(`${baseUrl}/api/v1/auth/sign-up`, { data: { email, password: PASSWORD, name: 'Owner' } });
  if (r.status() !== 201) throw new Error(`sign-up failed: ${r.status()} ${await r.text()}`);
}

/** No sideways scrolling: the page fits the viewport's width (phones). */
export async function fitsWidth(page: Page): Promise<{ scroll: number; width: number }> {
  return page.evaluate('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })');
}
