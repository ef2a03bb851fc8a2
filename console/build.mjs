#!/usr/bin/env node
// Builds the console into console/dist (vite). `--if-needed`: only when dist is missing or
// older than a source file (npm's prepare step and the browser tests use this).
// Without vite installed (npm ci --omit=dev) it says so and leaves FlowLink serving its
// "console not built" page, rather than failing the install.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist', 'index.html');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

export function consoleIsStale() {
  if (!existsSync(dist)) return true;
  const built = statSync(dist).mtimeMs;
  const sources = Math.max(newest(join(here, 'src')), newest(join(here, 'public')), ...['index.html', 'vite.config.ts'].map((f) => statSync(join(here, f)).mtimeMs));
  return sources > built;
}

export function buildConsole({ ifNeeded = false, quiet = false } = {}) {
  if (ifNeeded && !consoleIsStale()) return { built: false, reason: 'up to date' };
  let vite;
  try {
    vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    return { built: false, reason: 'vite is not installed (dev dependencies omitted): the console is not built' };
  }
  if (!quiet) process.stderr.write('building the console (vite)…\n');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(here, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: quiet ? 'pipe' : 'inherit', cwd: join(here, '..') });
  if (r.status !== 0) throw new Error(`the console build failed (exit ${r.status})${quiet ? `:\n${r.stdout}\n${r.stderr}` : ''}`);
  return { built: true };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const r = buildConsole({ ifNeeded: process.argv.includes('--if-needed') });
    if (!r.built) process.stderr.write(`console: ${r.reason}\n`);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
