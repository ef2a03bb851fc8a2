/**
 * Audit benchmark: records per second through the group-commit writer (hash chaining,
 * many concurrent appenders, one org) on PGlite and PostgreSQL, and verification speed.
 * PostgreSQL runs with its durability settings untouched (synchronous_commit as
 * configured). Run standalone (`npx tsx bench/audit.bench.ts [--quick]`) or via bench/run.ts.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/store.ts';
import { createAuditWriter } from '../src/audit/audit.writer.ts';
import { verifyStoredLog } from '../src/audit/verify.store.ts';

export interface AuditBenchRow {
  name: string;
  value: number;
  unit: string;
}

const PG_URL = process.env.FLOWLINK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

async function openPg(): Promise<{ store: Store; drop: () => Promise<void> }> {
  const schema = `bench_audit_${process.pid}_${Date.now()}`;
  const admin = await openStore({ url: PG_URL, data: '' });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const store = await openStore({ url, data: '' });
  return {
    store,
    drop: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

async function measure(store: Store, label: string, total: number, concurrency: number): Promise<AuditBenchRow[]> {
  const orgId = `bench_${label}`;
  await store.query('INSERT INTO orgs (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [orgId]);
  const writer = createAuditWriter({ store });
  let next = 0;
  const data = (i: number) => ({ call_id: `c${i}`, server: 'ops', tool: 'run_command', arguments_sha256: 'a'.repeat(64), status: 'ok' as const, error: null, duration_ms: 3, decision: { shield: { verdict: 'allow', risk: 4 } } });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) await writer.append({ orgId, kind: 'call.completed', actor: { type: 'agent', id: 'agent_bench' }, outcome: 'success', data: data(i) });
    }),
  );
  const writeS = (performance.now() - t0) / 1000;
  await writer.close();
  const t1 = performance.now();
  const report = await verifyStoredLog(store, { orgId });
  const verifyS = (performance.now() - t1) / 1000;
  if (!report.ok || report.records !== total) throw new Error(`${label}: verification failed after the bench: ${JSON.stringify(report.problems.slice(0, 2))}`);
  return [
    { name: `audit append ${label} (${concurrency} concurrent appenders, group commit)`, value: Math.round(total / writeS), unit: 'records/s' },
    { name: `audit verify ${label}`, value: Math.round(total / verifyS), unit: 'records/s' },
  ];
}

export async function runAuditBench(opts: { quick?: boolean } = {}): Promise<AuditBenchRow[]> {
  const total = opts.quick ? 3000 : 30_000;
  const rows: AuditBenchRow[] = [];
  const lite = await openStore({ data: 'memory://' });
  try {
    rows.push(...(await measure(lite, 'pglite', total, 256)));
  } finally {
    await lite.close();
  }
  const pg = await openPg();
  try {
    rows.push(...(await measure(pg.store, 'postgres', total, 256)));
    rows.push(...(await measure(pg.store, 'postgres-serial', Math.round(total / 10), 1)).slice(0, 1));
  } finally {
    await pg.drop();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runAuditBench({ quick: process.argv.includes('--quick') })
    .then((rows) => {
      for (const r of rows) process.stdout.write(`${r.name.padEnd(70)} ${String(r.value).padStart(8)} ${r.unit}\n`);
      process.exit(0);
    })
    .catch((err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    });
}
