/**
 * Console bench: the initial JavaScript a browser downloads before the first page (gzipped,
 * target < 400 KB) and how long the console takes to load on loopback in chromium (target
 * < 1 s): from navigation to the overview showing its numbers, signed in, with a cold cache
 * (a fresh browser context each run). `tsx bench/console.ts [--quick]` runs it alone.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { startFlowLink, ROOT } from '../test/helpers/flowlink.ts';
import { CHROMIUM, ensureConsoleBuilt, PASSWORD } from '../test/console/harness.ts';
import { summarize } from './lib/stats.ts';

export interface ConsoleRow {
  name: string;
  p50: number;
  p99: number;
  unit: string;
}

const DIST = resolve(ROOT, 'console/dist');

/** The entry script, its modulepreloads and the stylesheet named in index.html: what every first visit downloads. */
export function initialAssets(): { js: string[]; css: string[] } {
  const html = readFileSync(resolve(DIST, 'index.html'), 'utf8');
  const refs = (re: RegExp) => [...html.matchAll(re)].map((m) => m[1]!.replace(/^\/console\//, ''));
  return {
    js: [...refs(/<script[^>]+type="module"[^>]+src="([^"]+)"/g), ...refs(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)],
    css: refs(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g),
  };
}

const gz = (files: string[]) => files.reduce((n, f) => n + gzipSync(readFileSync(resolve(DIST, f)), { level: 9 }).length, 0) / 1024;

export async function runConsoleBench(opts: { quick?: boolean } = {}): Promise<ConsoleRow[]> {
  ensureConsoleBuilt();
  const assets = initialAssets();
  const rows: ConsoleRow[] = [];
  const js = gz(assets.js);
  rows.push({ name: 'initial JS, gzipped (target < 400 KB)', p50: js, p99: js, unit: 'KB' });
  const css = gz(assets.css);
  rows.push({ name: 'initial CSS, gzipped', p50: css, p99: css, unit: 'KB' });

  const fl = await startFlowLink({ servers: {} });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const signUp = await fetch(`${fl.url}/api/v1/auth/sign-up`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.test', password: PASSWORD }) });
    if (signUp.status !== 201) throw new Error(`sign-up failed: ${signUp.status}`);
    const cookies = signUp.headers.getSetCookie().map((c) => {
      const [name, value] = c.split(';')[0]!.split('=');
      return { name: name!, value: value!, url: fl.url };
    });
    const runs = opts.quick ? 5 : 20;
    const ready: number[] = [];
    const load: number[] = [];
    const signInPage: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      // Signed in: navigation → the overview's numbers on screen.
      const ctx = await browser.newContext();
      await ctx.addCookies(cookies);
      const page = await ctx.newPage();
      await page.goto(`${fl.url}/console/`);
      const shownAt = await readyAt(page, '[data-testid="stat-calls"]');
      const nav = (await page.evaluate('JSON.stringify(performance.getEntriesByType("navigation")[0])')) as string;
      await ctx.close();
      // Signed out: navigation → the sign-in form.
      const ctx2 = await browser.newContext();
      const p2 = await ctx2.newPage();
      await p2.goto(`${fl.url}/console/sign-in`);
      const formAt = await readyAt(p2, '[data-testid="sign-in-form"]');
      await ctx2.close();
      if (i === 0) continue; // warm-up: the server's first requests compile routes and fill caches
      ready.push(shownAt);
      load.push((JSON.parse(nav) as { loadEventEnd: number }).loadEventEnd);
      signInPage.push(formAt);
    }
    const r = summarize(ready);
    const l = summarize(load);
    const s = summarize(signInPage);
    rows.push({ name: 'overview ready, signed in, cold cache (target < 1 s)', p50: r.p50, p99: r.p99, unit: 'ms' });
    rows.push({ name: 'load event, cold cache', p50: l.p50, p99: l.p99, unit: 'ms' });
    rows.push({ name: 'sign-in page ready, cold cache', p50: s.p50, p99: s.p99, unit: 'ms' });
  } finally {
    await browser.close();
    await fl.stop();
  }
  return rows;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  runConsoleBench({ quick: process.argv.includes('--quick') })
    .then((rows) => {
      for (const r of rows) process.stdout.write(`${r.name.padEnd(56)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.unit}\n`);
      process.exit(0);
    })
    .catch((err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    });
}

/**
 * When the element first appeared, in the page's own clock (ms since navigation start),
 * checked every animation frame: what a person sees, without the back-off of a polling wait.
 */
async function readyAt(page: import('playwright-core').Page, selector: string): Promise<number> {
  const handle = await page.waitForFunction(`document.querySelector(${JSON.stringify(selector)}) ? performance.now() : false`, undefined, { polling: 'raf', timeout: 10_000 });
  return (await handle.jsonValue()) as number;
}
