import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { chainHash, GENESIS_HASH, type ChainedFields } from '../../src/audit/chain.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';
import { PG_URL } from '../helpers/flowlink.ts';
import type { AuditWriter } from '../../src/audit/audit.writer.ts';

/** PGlite in memory, and PostgreSQL in a private schema per run (required: fails loudly when absent). */
export const backends: [string, () => Promise<Store>][] = [
  ['pglite', () => openStore({ data: 'memory://' })],
  ['postgres', () => openPgSchema()],
];

export async function openPgSchema(): Promise<Store & { schemaUrl: string }> {
  const schema = `t_audit_${process.pid}_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = await openStore({ url: PG_URL, data: '' }).catch((err) => {
    throw new Error(`PostgreSQL is required for this test at ${PG_URL}: ${(err as Error).message}`);
  });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return Object.assign(await openStore({ url, data: '' }), { schemaUrl: url });
}

export async function makeOrg(store: Store, name: string): Promise<string> {
  const id = `org_${name}`;
  await store.query('INSERT INTO orgs (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, name]);
  return id;
}

export function chainRows(orgId: string, n: number, from = 1, prev = GENESIS_HASH, idPrefix = `evt_${orgId}_`, t0 = Date.UTC(2026, 0, 1)) {
  const rows: (ChainedFields & { prev_hash: string; hash: string })[] = [];
  for (let i = 0; i < n; i++) {
    const seq = from + i;
    const f: ChainedFields = {
      org_id: orgId,
      seq,
      id: `${idPrefix}${seq}`,
      ts: new Date(t0 + seq * 1000).toISOString(),
      kind: 'call.completed',
      code: 'FL-CALL-0001',
      actor_type: 'agent',
      actor_id: 'agent_1',
      outcome: 'success',
      data: { call_id: `c${seq}`, server: 'ops', tool: 'run', note: `record number ${seq}`, duration_ms: seq % 97 },
    };
    const hash = chainHash(prev, f);
    rows.push({ ...f, prev_hash: prev, hash });
    prev = hash;
  }
  return rows;
}

/** Writes a well-chained log of n records fast (one multi-row statement per chunk). */
export async function seedLog(store: Store, orgId: string, n: number, chunk = 10_000) {
  const rows = chainRows(orgId, n);
  for (let i = 0; i < rows.length; i += chunk) await auditRepo.append(store, rows.slice(i, i + chunk), []);
  return rows;
}

/** Moves every record with seq >= from by delta (two steps, so the primary key never collides). */
export async function renumber(store: Store, orgId: string, from: number, delta: number) {
  await store.query('UPDATE audit_events SET seq = -seq WHERE org_id = $1 AND seq >= $2', [orgId, from]);
  await store.query('UPDATE audit_events SET seq = -seq + $2 WHERE org_id = $1 AND seq < 0', [orgId, delta]);
}

export interface SeedCall {
  tool: string;
  args: Record<string, unknown>;
  verdict: string;
  risk: number;
  status: 'ok' | 'error' | 'denied';
  /** How long ago it started, in ms. */
  age: number;
  agent: string;
  server?: string;
}

const DAY_MS = 86_400_000;
/** Four calls of two agents over ten days: a blocked rm -rf, an ls, an approved query, a failed read. */
export const SAMPLE_CALLS: SeedCall[] = [
  { tool: 'run_command', args: { command: 'rm -rf /tmp/x' }, verdict: 'block', risk: 92, status: 'denied', age: 1 * DAY_MS, agent: 'ci-bot' },
  { tool: 'run_command', args: { command: 'ls -la' }, verdict: 'allow', risk: 3, status: 'ok', age: 2 * DAY_MS, agent: 'ci-bot' },
  { tool: 'query', args: { sql: 'SELECT 1, "quoted", 100%_done' }, verdict: 'approve', risk: 55, status: 'ok', age: 3 * DAY_MS, agent: 'analyst', server: 'db' },
  { tool: 'read_file', args: { path: '=cmd|calc' }, verdict: 'allow', risk: 10, status: 'error', age: 10 * DAY_MS, agent: 'analyst' },
];

/** Records calls through a real audit writer (event and history row in one statement), oldest first. */
export async function seedCallsWith(writer: Pick<AuditWriter, 'append'>, orgId: string, calls: SeedCall[] = SAMPLE_CALLS, prefix = 'call'): Promise<string[]> {
  const now = Date.now();
  const ids: string[] = [];
  const ordered = calls.map((c, i) => ({ c, i })).sort((a, b) => b.c.age - a.c.age);
  for (const { c, i } of ordered) {
    const started = new Date(now - c.age);
    const decision = { shield: { verdict: c.verdict, risk: c.risk, reasons: c.risk > 50 ? [{ rule: 'shell.rm-rf', severity: 'high', message: 'x' }] : [] } };
    const id = `${prefix}_${i}`;
    const server = c.server ?? 'ops';
    const error = c.status === 'error' ? 'line1\nline2, "q"' : null;
    await writer.append({
      orgId,
      kind: c.status === 'denied' ? 'call.denied' : 'call.completed',
      actor: { type: 'agent', id: c.agent },
      outcome: c.status === 'ok' ? 'success' : c.status === 'denied' ? 'denied' : 'failure',
      data: { call_id: id, server, tool: c.tool, arguments_sha256: '0'.repeat(64), status: c.status, error, duration_ms: 5, decision },
      call: { id, agent_id: c.agent, agent_name: c.agent, session_id: null, server, tool: c.tool, arguments: c.args, status: c.status, error, duration_ms: 5, started_at: started.toISOString(), finished_at: started.toISOString(), client: null, protocol: '2025-06-18', decision },
    });
    ids.push(id);
  }
  return ids;
}
