/**
 * `npm run bench` (tsx bench/run.ts [--quick] [--json]): runs every benchmark and prints
 * tables (or one JSON document with --json). Progress goes to stderr.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { runRelayBench, formatRelay, type RelayResult } from './relay.bench.ts';
import { fmt, table } from './lib/stats.ts';
import { runPolicyBench } from './policy.bench.ts';
import { runAuditBench, type AuditBenchRow } from './audit.bench.ts';

interface ShieldRow {
  name: string;
  p50: number;
  p99: number;
  unit: string;
}

const args = new Set(process.argv.slice(2));
for (const a of args) if (!['--quick', '--json'].includes(a)) {
  process.stderr.write(`unknown option ${a}\nUsage: tsx bench/run.ts [--quick] [--json]\n`);
  process.exit(2);
}
const quick = args.has('--quick');
const json = args.has('--json');
const log = (s: string) => process.stderr.write(s + '\n');

async function shieldBench(): Promise<{ rows?: ShieldRow[]; note?: string }> {
  const file = fileURLToPath(new URL('./shield.bench.ts', import.meta.url));
  if (!existsSync(file)) return { note: 'skipped: bench/shield.bench.ts not present' };
  try {
    const mod = (await import(pathToFileURL(file).href)) as { runShieldBench?: (opts?: { quick?: boolean }) => unknown };
    if (typeof mod.runShieldBench !== 'function') return { note: 'skipped: bench/shield.bench.ts does not export runShieldBench()' };
    const rows = (await mod.runShieldBench({ quick })) as ShieldRow[];
    if (!Array.isArray(rows)) return { note: 'skipped: runShieldBench() did not return an array' };
    return { rows };
  } catch (err) {
    return { note: `failed: ${(err as Error).stack ?? String(err)}` };
  }
}

async function main() {
  const t0 = performance.now();
  const extra: { title: string; rows?: ShieldRow[]; note?: string }[] = [];
  const out: { quick: boolean; node: string; relay?: RelayResult; relayError?: string; shield?: ShieldRow[]; shieldNote?: string; audit?: AuditBenchRow[]; auditError?: string; policy?: ShieldRow[]; policyError?: string; elapsedMs?: number } = {
    quick,
    node: process.version,
  };

  log(`relay bench${quick ? ' (quick)' : ''}…`);
  try {
    out.relay = await runRelayBench({ quick, log });
  } catch (err) {
    out.relayError = (err as Error).stack ?? String(err);
  }

  log('shield bench…');
  const shield = await shieldBench();
  if (shield.rows) out.shield = shield.rows;
  if (shield.note) out.shieldNote = shield.note;

  log('audit bench…');
  try {
    out.audit = await runAuditBench({ quick });
  } catch (err) {
    out.auditError = (err as Error).stack ?? String(err);
  }

  log('policy bench…');
  try {
    out.policy = await runPolicyBench({ quick });
  } catch (err) {
    out.policyError = (err as Error).stack ?? String(err);
  }

  // Benches of later modules: each file exports run<Name>Bench({quick}) → rows of p50/p99.
  for (const [title, file, fn] of [
    ['Hooks', 'hooks.bench.ts', 'runHooksBench'],
    ['Approvals', 'approvals.bench.ts', 'runApprovalsBench'],
    ['Console', 'console.ts', 'runConsoleBench'],
  ] as const) {
    log(`${title.toLowerCase()} bench…`);
    const path = fileURLToPath(new URL(`./${file}`, import.meta.url));
    if (!existsSync(path)) {
      extra.push({ title, note: `skipped: bench/${file} is not there` });
      continue;
    }
    try {
      const mod = (await import(pathToFileURL(path).href)) as Record<string, (o: { quick: boolean }) => Promise<ShieldRow[]>>;
      extra.push({ title, rows: await mod[fn]!({ quick }) });
    } catch (err) {
      extra.push({ title, note: `failed: ${(err as Error).stack ?? String(err)}` });
    }
  }
  (out as Record<string, unknown>).more = extra;
  out.elapsedMs = performance.now() - t0;

  if (json) {
    process.stdout.write(JSON.stringify(out, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    return;
  }
  const parts: string[] = [`FlowLink benchmarks${quick ? ' (--quick)' : ''}, node ${process.version}`, ''];
  if (out.relay) parts.push(formatRelay(out.relay));
  else parts.push(`Relay bench failed: ${out.relayError}`);
  parts.push('', 'Shield');
  if (out.shield) {
    parts.push(table([['name', 'p50', 'p99', 'unit'], ...out.shield.map((r) => [String(r.name), fmt(Number(r.p50), 3), fmt(Number(r.p99), 3), String(r.unit)])]));
  }
  if (out.shieldNote) parts.push(out.shieldNote);
  parts.push('', 'Audit');
  if (out.audit) parts.push(table([['name', 'value', 'unit'], ...out.audit.map((r) => [r.name, String(r.value), r.unit])]));
  else parts.push(`Audit bench failed: ${out.auditError}`);
  parts.push('', 'Policy and rate limits');
  if (out.policy) parts.push(table([['name', 'p50', 'p99', 'unit'], ...out.policy.map((r) => [r.name, fmt(r.p50, 2), fmt(r.p99, 2), r.unit])]));
  else parts.push(`Policy bench failed: ${out.policyError}`);
  for (const e of extra) {
    parts.push('', e.title);
    if (e.rows) parts.push(table([['name', 'p50', 'p99', 'unit'], ...e.rows.map((r) => [String(r.name), fmt(Number(r.p50), 2), fmt(Number(r.p99), 2), String(r.unit)])]));
    if (e.note) parts.push(e.note);
  }
  parts.push('', `Total bench time: ${fmt(out.elapsedMs / 1000, 1)} s`);
  process.stdout.write(parts.join('\n') + '\n');
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
