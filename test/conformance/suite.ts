/**
 * Runs the official MCP conformance server suite (@modelcontextprotocol/conformance) against a URL
 * and parses its per-scenario `checks.json` files (written by `--output-dir`) into a flat result map.
 *
 * The suite needs Node >= 22; we run it through `npx -p node@22`, which works from the npm cache.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CONFORMANCE_PKG = '@modelcontextprotocol/conformance@0.2.0-alpha.12';
export const NODE_PKG = 'node@22';
export const ERAS = ['2025-11-25', '2026-07-28'] as const;
export type Era = (typeof ERAS)[number];

export interface CheckResult {
  scenario: string;
  check: string;
  /** SUCCESS | FAILURE | WARNING | SKIPPED | INFO … as written by the suite. */
  status: string;
  errorMessage?: string;
}

export interface SuiteRun {
  /** `scenario/check` → result, for every check the suite recorded. */
  checks: Map<string, CheckResult>;
  /** Scenarios the suite announced in its console output (to notice a scenario that wrote no results). */
  scenariosRun: string[];
  passed: number;
  failed: number;
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** The key used in expected.ts: `scenario/check-id`. */
export const key = (scenario: string, check: string): string => `${scenario}/${check}`;

export class SuiteUnavailableError extends Error {}

/**
 * Runs `conformance server --url <url> --spec-version <era> -o <tmp>` and returns parsed results.
 * Throws SuiteUnavailableError when npx / node@22 / the suite cannot be started or produced nothing.
 */
export async function runSuite(url: string, era: Era, opts: { timeoutMs?: number; cwd?: string } = {}): Promise<SuiteRun> {
  const outDir = await mkdtemp(join(tmpdir(), `flowlink-conformance-${era}-`));
  try {
    const args = ['-y', '-p', NODE_PKG, '-p', CONFORMANCE_PKG, 'conformance', 'server', '--url', url, '--spec-version', era, '-o', outDir];
    const { code, stdout, stderr } = await run('npx', args, opts.timeoutMs ?? 240_000, opts.cwd);
    const scenariosRun = [...stdout.matchAll(/=== Running scenario: (\S+) ===/g)].map((m) => m[1]!);
    const checks = new Map<string, CheckResult>();
    let entries: string[] = [];
    try {
      entries = await readdir(outDir);
    } catch {
      /* empty */
    }
    for (const dir of entries) {
      // Directory names are `server-<scenario>-<ISO timestamp with - for : and .>`.
      const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(dir);
      if (!m) continue;
      const scenario = m[1]!;
      let list: Array<{ id: string; status: string; errorMessage?: string }>;
      try {
        list = JSON.parse(await readFile(join(outDir, dir, 'checks.json'), 'utf8'));
      } catch {
        continue;
      }
      for (const c of list) {
        const r: CheckResult = { scenario, check: c.id, status: c.status };
        if (c.errorMessage) r.errorMessage = c.errorMessage;
        checks.set(key(scenario, c.id), r);
      }
    }
    if (checks.size === 0) {
      throw new SuiteUnavailableError(
        `the MCP conformance suite produced no results (exit ${code}). It runs as \`npx -y -p ${NODE_PKG} -p ${CONFORMANCE_PKG} conformance server …\` ` +
          `and needs npx plus node@22 and ${CONFORMANCE_PKG} in the npm cache or registry.\n--- stdout ---\n${stdout.slice(-3000)}\n--- stderr ---\n${stderr.slice(-3000)}`,
      );
    }
    const summary = /Total: (\d+) passed, (\d+) failed/.exec(stdout);
    const values = [...checks.values()];
    return {
      checks,
      scenariosRun,
      passed: summary ? Number(summary[1]) : values.filter((c) => c.status === 'SUCCESS').length,
      failed: summary ? Number(summary[2]) : values.filter((c) => c.status === 'FAILURE').length,
      stdout,
      stderr,
      exitCode: code,
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], timeoutMs: number, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SuiteUnavailableError(`conformance suite timed out after ${timeoutMs} ms\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new SuiteUnavailableError(`could not start \`${cmd}\` (${err.message}); the conformance test needs npx on PATH`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
