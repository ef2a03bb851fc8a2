/**
 * Approval queue: time from a person's decision (REST call sent) to the agent receiving
 * the upstream's result, on one instance and across two instances sharing PostgreSQL;
 * and 1,000 requests held at once (heap growth, errors). Issue 5 targets: p99 < 100 ms on
 * one instance, < 1 s across instances. Uses the e2e harness (test/approvals/helpers.ts),
 * which wires the approval stage as app.ts does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { summarize } from './lib/stats.ts';
import { connectClient } from '../test/helpers/client.ts';
import { privatePgUrl } from '../test/helpers/flowlink.ts';
import { startNode, person, pending, opsServer, type Node } from '../test/approvals/helpers.ts';

export interface ApprovalsBenchRow {
  name: string;
  p50: number;
  p99: number;
  unit: string;
}

async function decisionToResult(holder: Node, decider: Node, n: number): Promise<number[]> {
  const token = (await holder.fl.agents.create(holder.orgId, `bench-${Math.random().toString(36).slice(2, 8)}`)).token;
  const approver = await person(decider, 'approver');
  const c = await connectClient(`${holder.url}/mcp/ops`, token);
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      let got = 0;
      const call = c.client.callTool({ name: 'run_command', arguments: { command: `git push --force origin main # ${i}` } }).then(() => (got = performance.now()));
      const r = await pending(decider);
      const t0 = performance.now();
      const d = await approver.api('POST', `/v1/orgs/${decider.orgId}/approvals/${r.id}/decision`, { action: 'approve' });
      if (d.status !== 200) throw new Error(`decision failed: ${JSON.stringify(d.body)}`);
      await call;
      samples.push(got - t0);
    }
  } finally {
    await c.close();
  }
  return samples;
}

export async function runApprovalsBench(opts: { quick?: boolean } = {}): Promise<ApprovalsBenchRow[]> {
  const n = opts.quick ? 10 : 50;
  const held = opts.quick ? 200 : 1000;
  const log = join(mkdtempSync(join(tmpdir(), 'fl-approvals-bench-')), 'ops.log');
  const servers = { ops: opsServer(log) };
  const rows: ApprovalsBenchRow[] = [];
  const row = (name: string, s: number[], unit = 'ms') => {
    const x = summarize(s);
    rows.push({ name, p50: Math.round(x.p50 * 10) / 10, p99: Math.round(x.p99 * 10) / 10, unit });
  };

  const one = await startNode({ servers, approvals: {} });
  try {
    await decisionToResult(one, one, 2); // warm-up: Shield, upstream start
    row(`decision → result, one instance (PGlite), n=${n}`, await decisionToResult(one, one, n));
  } finally {
    await one.stop();
  }

  const pgUrl = await privatePgUrl();
  const a = await startNode({ servers, approvals: {}, pgUrl });
  const b = await startNode({ servers, approvals: {}, pgUrl });
  try {
    await decisionToResult(a, b, 2);
    row(`decision on B → result on A (PostgreSQL), n=${n}`, await decisionToResult(a, b, n));

    // Held at once: requests and waiters in the service (what a held call costs beyond its HTTP request).
    const svc = a.approvals.service;
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void; // a real collection before each reading, so the delta is what stays held
    gc();
    const before = process.memoryUsage().heapUsed;
    let errors = 0;
    const t0 = performance.now();
    const reqs = await Promise.all(
      Array.from({ length: held }, (_, i) =>
        svc.create({ orgId: a.orgId, callId: `bench_${i}`, server: 'ops', tool: 'run_command', arguments: { command: `x ${i}` }, agentId: 'agt_bench', agentName: 'bench', sessionId: null }).catch(() => (errors++, undefined)),
      ),
    );
    const waits = reqs.map((r) => (r ? svc.wait(r.id) : Promise.resolve(undefined)));
    for (const until = Date.now() + 20_000; svc.held < held && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    const createMs = performance.now() - t0;
    const heldNow = svc.held;
    gc();
    const delta = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    const t1 = performance.now();
    await Promise.all(reqs.map((r, i) => (r ? b.approvals.service.decide(a.orgId, r.id, { type: 'user', id: `u_${i % 7}`, name: 'bench' }, { action: 'deny', reason: 'bench', channel: 'api' }).catch(() => errors++) : undefined)));
    const finals = await Promise.all(waits);
    const releaseMs = performance.now() - t1;
    errors += finals.filter((f) => !f || f.state !== 'denied').length;
    rows.push({ name: `${held} held at once: heap growth`, p50: Math.round(delta * 10) / 10, p99: Math.round(delta * 10) / 10, unit: 'MB' });
    rows.push({ name: `${held} held at once: waiters registered / errors`, p50: heldNow, p99: errors, unit: 'count' });
    rows.push({ name: `${held} held at once: create all / decide all on B and release on A`, p50: Math.round(createMs), p99: Math.round(releaseMs), unit: 'ms (total)' });
  } finally {
    await a.stop();
    await b.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runApprovalsBench({ quick: process.argv.includes('--quick') });
  console.table(rows);
  process.exit(0);
}
