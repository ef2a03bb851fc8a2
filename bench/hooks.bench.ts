/**
 * Hook round trip: process start to answer, as the coding agent sees it, for an allowed
 * command (`ls -la` from Claude Code). Measured against a FlowLink in this process with the
 * decision API registered; baselines in the same run: a bare `node -e ''` start (the floor
 * any Node hook pays) and the decide request alone over HTTP (no process start).
 * Run: npx tsx bench/hooks.bench.ts [--quick]
 */
import { spawn } from 'node:child_process';
import { summarize } from './lib/stats.ts';
import { startHookFlowLink, runHookProcess, fixture } from '../test/hooks/helpers.ts';

export interface HooksBenchRow {
  name: string;
  p50: number;
  p99: number;
  unit: string;
}

function nodeStart(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('close', () => resolve(performance.now() - t0));
  });
}

export async function runHooksBench(opts: { quick?: boolean } = {}): Promise<HooksBenchRow[]> {
  const n = opts.quick ? 15 : 60;
  const fl = await startHookFlowLink();
  try {
    const payload = fixture('claude-code.bash-ls.json');
    const env = { FLOWLINK_URL: fl.url, FLOWLINK_TOKEN: fl.token };
    for (let i = 0; i < 3; i++) await runHookProcess(['claude-code'], payload, env); // warm caches (tsx none here; shield parse, token)
    const hook: number[] = [];
    const bare: number[] = [];
    const api: number[] = [];
    const body = JSON.stringify({ client: 'claude-code', tool: 'Bash', input: { command: 'ls -la' }, cwd: '/home/dev/project', session_id: 'bench' });
    for (let i = 0; i < n; i++) {
      const r = await runHookProcess(['claude-code'], payload, env);
      if (!r.stdout.includes('"allow"')) throw new Error(`hook did not allow: ${r.stdout} ${r.stderr}`);
      hook.push(r.ms);
      bare.push(await nodeStart());
      const t0 = performance.now();
      const res = await fetch(`${fl.url}/api/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${fl.token}` }, body });
      await res.json();
      api.push(performance.now() - t0);
    }
    const row = (name: string, xs: number[]): HooksBenchRow => {
      const s = summarize(xs);
      return { name, p50: s.p50, p99: s.p99, unit: 'ms' };
    };
    return [row('hook round trip (bin/flowlink-hook.js, allowed ls)', hook), row('baseline: bare node process start', bare), row('decide API request alone (HTTP, allowed ls)', api)];
  } finally {
    await fl.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runHooksBench({ quick: process.argv.includes('--quick') });
  for (const r of rows) process.stdout.write(`${r.name.padEnd(55)} p50 ${r.p50.toFixed(1)} ${r.unit}  p99 ${r.p99.toFixed(1)} ${r.unit}\n`);
}
