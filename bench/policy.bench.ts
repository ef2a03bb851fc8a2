/**
 * Policy evaluation time with 10, 1,000 and 10,000 rules (target: p99 < 50 µs at 1,000).
 * Rules are spread over 50 servers and 40 tools with a mix of literal, `server__*`,
 * `*__verb_*`, agent-scoped and conditional rules, the way real sets grow; calls cycle
 * over servers, tools and agents so the candidate cache is exercised as in production.
 * Also: rate-limit check (memory backend) for one call under 3 limits.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { compilePolicy } from '../src/policy/compile.ts';
import { evaluate } from '../src/policy/evaluate.ts';
import { PoliciesConfigSchema } from '../src/policy/policy.schema.ts';
import type { PolicyInput } from '../src/policy/policy.types.ts';
import { createRateLimiter } from '../src/ratelimit/limiter.ts';
import { createMemoryBackend } from '../src/ratelimit/memory.backend.ts';
import { RateLimitsConfigSchema } from '../src/ratelimit/ratelimit.schema.ts';
import { summarize } from './lib/stats.ts';

const SERVERS = Array.from({ length: 50 }, (_, i) => `srv${i}`);
const VERBS = ['get', 'list', 'create', 'update', 'delete', 'exec', 'read', 'write'];
const TOOLS = Array.from({ length: 40 }, (_, i) => `${VERBS[i % VERBS.length]}_${['pod', 'file', 'row', 'repo', 'user'][i % 5]}${i}`);

function ruleSet(n: number) {
  const rules = [];
  for (let i = 0; i < n; i++) {
    const s = SERVERS[i % SERVERS.length]!;
    const t = TOOLS[(i * 7) % TOOLS.length]!;
    const kind = i % 10;
    const base = { id: `r${i}`, priority: i % 13, effect: (['allow', 'deny', 'approve', 'allow', 'audit'] as const)[i % 5] };
    if (kind < 4) rules.push({ ...base, match: { servers: [s], tools: [t] } });
    else if (kind === 4) rules.push({ ...base, match: { tools: [`${s}__*`] }, when: { args: { namespace: 'prod-*' } } });
    else if (kind === 5) rules.push({ ...base, match: { tools: [`*__${VERBS[i % 8]}_*`], agents: [`agent-${i % 20}`] } });
    else if (kind === 6) rules.push({ ...base, match: { servers: [s], serverLabels: { env: 'prod' } }, when: { risk: { min: 60 } } });
    else if (kind === 7) rules.push({ ...base, match: { servers: [s], agentLabels: { team: `t${i % 5}` } }, when: { paths: ['/etc/**', '~/.ssh/**'] } });
    else if (kind === 8) rules.push({ ...base, match: { tools: [`${s}__${t}`] }, when: { time: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '09:00-18:00', timezone: 'Europe/Paris' } } });
    else rules.push({ ...base, match: { servers: [s], tools: [t], groups: ['sre'] } });
  }
  // A few global rules every call sees, as real sets have.
  rules.push({ id: 'global-deny-delete-prod', priority: 100, effect: 'deny' as const, match: { tools: ['*__delete_*'] }, when: { namespaces: ['prod'] } } as never);
  rules.push({ id: 'global-audit', priority: 0, effect: 'audit' as const } as never);
  return PoliciesConfigSchema.parse({ groups: { sre: { agents: ['agent-1*'] } }, defaults: { posture: 'deny' }, rules });
}

function calls(count: number): PolicyInput[] {
  return Array.from({ length: count }, (_, i) => ({
    org: 'org_1',
    orgName: 'acme',
    agent: `agent-${i % 25}`,
    agentLabels: { team: `t${i % 5}` },
    server: SERVERS[(i * 3) % SERVERS.length]!,
    tool: TOOLS[(i * 11) % TOOLS.length]!,
    serverLabels: i % 2 ? { env: 'prod' } : { env: 'dev' },
    arguments: { namespace: i % 3 ? 'prod-eu' : 'dev', path: '/srv/app/config.yaml' },
    shield: { verdict: 'allow', risk: (i * 17) % 100, severity: 'low', reasons: [], targets: [] },
  }));
}

export async function runPolicyBench(opts: { quick?: boolean } = {}): Promise<Array<{ name: string; p50: number; p99: number; unit: string }>> {
  const iterations = opts.quick ? 20_000 : 200_000;
  const rows: Array<{ name: string; p50: number; p99: number; unit: string }> = [];
  const inputs = calls(997);
  for (const n of [10, 1_000, 10_000]) {
    const t0 = performance.now();
    const compiled = compilePolicy(ruleSet(n));
    const compileMs = performance.now() - t0;
    const now = Date.UTC(2026, 0, 7, 10, 0);
    for (let i = 0; i < 20_000; i++) evaluate(compiled, inputs[i % inputs.length]!, now);
    const samples = new Float64Array(iterations);
    for (let i = 0; i < iterations; i++) {
      const s = performance.now();
      evaluate(compiled, inputs[i % inputs.length]!, now);
      samples[i] = (performance.now() - s) * 1000;
    }
    const sum = summarize(Array.from(samples));
    rows.push({ name: `evaluate, ${n.toLocaleString('en')} rules`, p50: sum.p50, p99: sum.p99, unit: 'µs' });
    rows.push({ name: `compile, ${n.toLocaleString('en')} rules (once per change)`, p50: compileMs, p99: compileMs, unit: 'ms' });
  }
  const limiter = createRateLimiter({ backend: createMemoryBackend(), limits: RateLimitsConfigSchema.parse({ limits: [{ id: 'a', rate: '1000000/s' }, { id: 'b', rate: '1000000/s', per: ['tool'] }, { id: 'c', daily: 1_000_000_000, per: ['org'] }] }).limits });
  const rl: number[] = [];
  for (let i = 0; i < (opts.quick ? 5_000 : 50_000); i++) {
    const c = inputs[i % inputs.length]!;
    const s = performance.now();
    await limiter.check(c);
    rl.push((performance.now() - s) * 1000);
  }
  const r = summarize(rl.slice(1000));
  rows.push({ name: 'rate-limit check, memory, 3 limits', p50: r.p50, p99: r.p99, unit: 'µs' });
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runPolicyBench({ quick: process.argv.includes('--quick') });
  for (const r of rows) process.stdout.write(`${r.name.padEnd(48)} p50 ${r.p50.toFixed(2).padStart(8)}  p99 ${r.p99.toFixed(2).padStart(8)} ${r.unit}\n`);
}
