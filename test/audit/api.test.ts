import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, type Running } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, uniqueEmail, type Api } from '../identity/harness.ts';
import { seedCallsWith } from './helpers.ts';
import { membersRepo } from '../../src/identity/orgs.repo.ts';

// The audit and history REST API as the console uses it, on PGlite and on PostgreSQL.

async function signUp(fl: Running, email = uniqueEmail('a')): Promise<Browser> {
  const b = new Browser({ app: fl.fl.app } as unknown as Api);
  const r = await b.req('POST', '/api/v1/auth/sign-up', { email, password: PASSWORD, name: 'T' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return b;
}

async function raw(b: Browser, url: string) {
  const headers: Record<string, string> = { cookie: [...b.jar].map(([k, v]) => `${k}=${v}`).join('; ') };
  return b.api.app.inject({ method: 'GET', url, headers });
}

for (const backend of ['pglite', 'postgres'] as const) {
  test(`${backend}: history search, filters, cursor pages, one call, export; events; chain; stats; other orgs see nothing`, async () => {
    const fl = await startFlowLink({ identity: { signup: 'open' } }, { postgres: backend === 'postgres' });
    try {
      const owner = await signUp(fl);
      const home = (await owner.req('GET', '/api/v1/orgs')).body.orgs[0].id as string;
      assert.equal(home, fl.orgId, 'the first user owns the default org');
      const outsider = await signUp(fl);
      const other = (await outsider.req('POST', '/api/v1/orgs', { name: `other-${Date.now()}` })).body.org.id as string;
      await seedCallsWith(fl.fl.audit, home);
      await seedCallsWith(fl.fl.audit, other, [{ tool: 'secret_tool', args: { q: 'org B only' }, verdict: 'block', risk: 99, status: 'denied', age: 1000, agent: 'b-bot' }], 'bcall');
      const H = `/api/v1/orgs/${home}`;
      const ids = async (qs: string) => {
        const r = await owner.req('GET', `${H}/history${qs}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.calls.map((c: { call_id: string }) => c.call_id);
      };

      // Search and filters, newest first.
      assert.deepEqual(await ids(''), ['call_0', 'call_1', 'call_2', 'call_3']);
      assert.deepEqual(await ids('?verdict=block'), ['call_0']);
      assert.deepEqual(await ids('?minRisk=50'), ['call_0', 'call_2']);
      assert.deepEqual(await ids('?minRisk=5&maxRisk=60'), ['call_2', 'call_3']);
      assert.deepEqual(await ids('?agent=analyst'), ['call_2', 'call_3']);
      assert.deepEqual(await ids('?server=db'), ['call_2']);
      assert.deepEqual(await ids('?tool=run_command&status=ok'), ['call_1']);
      assert.deepEqual(await ids('?since=7d'), ['call_0', 'call_1', 'call_2']);
      assert.deepEqual(await ids(`?until=${encodeURIComponent(new Date(Date.now() - 2.5 * 86_400_000).toISOString())}`), ['call_2', 'call_3']);
      assert.deepEqual(await ids('?text=RM%20-RF'), ['call_0']);
      assert.deepEqual(await ids('?text=org%20B'), [], 'org B calls never show up');
      const bad = await owner.req('GET', `${H}/history?since=yesterday`);
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /since/);
      assert.equal((await owner.req('GET', `${H}/history?minRisk=80&maxRisk=20`)).status, 400);
      assert.equal((await owner.req('GET', `${H}/history?verdict=maybe`)).status, 400);

      // Cursor pagination by sequence: stable even when a new call lands between pages.
      const p1 = await owner.req('GET', `${H}/history?limit=3`);
      assert.deepEqual(p1.body.calls.map((c: { call_id: string }) => c.call_id), ['call_0', 'call_1', 'call_2']);
      assert.match(p1.body.nextCursor, /^\d+$/);
      await seedCallsWith(fl.fl.audit, home, [{ tool: 'late', args: {}, verdict: 'allow', risk: 0, status: 'ok', age: 0, agent: 'ci-bot' }], 'late');
      const p2 = await owner.req('GET', `${H}/history?limit=3&cursor=${p1.body.nextCursor}`);
      assert.deepEqual(p2.body.calls.map((c: { call_id: string }) => c.call_id), ['call_3']);
      assert.equal(p2.body.nextCursor, null);

      // One call's full record with its chained event.
      const one = await owner.req('GET', `${H}/history/call_0`);
      assert.equal(one.status, 200);
      assert.equal(one.body.call.verdict, 'block');
      assert.equal(one.body.call.risk, 92);
      assert.deepEqual(one.body.call.reasons, ['shell.rm-rf']);
      assert.deepEqual(one.body.call.arguments, { command: 'rm -rf /tmp/x' });
      assert.equal(one.body.event.kind, 'call.denied');
      assert.equal(one.body.event.seq, one.body.call.audit_seq);
      assert.equal(one.body.event.data.call_id, 'call_0');
      assert.equal((await owner.req('GET', `${H}/history/bcall_0`)).status, 404, 'a call id of another org is not found');

      // Export: CSV and JSON Lines, streamed with the same filters.
      const csv = await raw(owner, `${H}/history/export?format=csv&since=7d`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.match(String(csv.headers['content-disposition']), /attachment; filename="flowlink-history-.*\.csv"/);
      const lines = csv.body.split('\r\n').filter(Boolean);
      assert.match(lines[0]!, /^time,finished_at,call_id,audit_seq,agent,/);
      assert.equal(lines.length, 1 + 4, 'header + 3 sample calls + the late one');
      assert.ok(csv.body.includes('"{""sql"":""SELECT 1, \\""quoted\\"", 100%_done""}"'));
      const jl = await raw(owner, `${H}/history/export?format=jsonl&agent=analyst`);
      const recs = jl.body.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(recs.map((r) => r.call_id), ['call_2', 'call_3']);
      assert.equal(recs[1].error, 'line1\nline2, "q"');
      assert.equal((await raw(owner, `${H}/history/export?format=xml`)).statusCode, 400);
      const exports = (await owner.req('GET', `${H}/audit/events?kind=audit.exported`)).body.events;
      assert.deepEqual(exports.map((e: { data: { format: string; rows: number; filters: object } }) => [e.data.format, e.data.rows, e.data.filters]), [['jsonl', 2, { agent: 'analyst' }], ['csv', 4, { since: '7d' }]], 'each export is recorded with its filters and row count');

      // Audit events: list, filters, one event.
      const evs = await owner.req('GET', `${H}/audit/events?limit=2`);
      assert.equal(evs.status, 200);
      assert.equal(evs.body.events.length, 2);
      assert.ok(evs.body.events[0].seq > evs.body.events[1].seq, 'newest first');
      const rest = await owner.req('GET', `${H}/audit/events?cursor=${evs.body.nextCursor}&limit=100`);
      assert.ok(rest.body.events.every((e: { seq: number }) => e.seq < evs.body.events[1].seq));
      const denied = await owner.req('GET', `${H}/audit/events?kind=call.denied`);
      assert.deepEqual(denied.body.events.map((e: { data: { call_id: string } }) => e.data.call_id), ['call_0']);
      const medium = await owner.req('GET', `${H}/audit/events?severity=medium`);
      assert.ok(medium.body.events.length >= 1 && medium.body.events.every((e: { severity: string }) => ['medium', 'high', 'critical'].includes(e.severity)));
      const byActor = await owner.req('GET', `${H}/audit/events?actorType=agent&actor=analyst`);
      assert.equal(byActor.body.events.length, 2);
      assert.equal((await owner.req('GET', `${H}/audit/events?kind=no.such_kind`)).status, 400);
      const ev = await owner.req('GET', `${H}/audit/events/${one.body.event.seq}`);
      assert.equal(ev.body.event.id, one.body.event.id);
      assert.equal((await owner.req('GET', `${H}/audit/events/${one.body.event.id}`)).body.event.seq, one.body.event.seq);

      // Chain status and the checkpoint to hold elsewhere.
      assert.equal((await owner.req('GET', `${H}/audit/checkpoint`)).status, 404, 'none signed yet');
      const signed = await owner.req('POST', `${H}/audit/checkpoint`);
      assert.equal(signed.status, 200, JSON.stringify(signed.body));
      assert.equal(signed.body.format, 'flowlink-audit-checkpoint');
      const dl = await raw(owner, `${H}/audit/checkpoint`);
      assert.match(String(dl.headers['content-disposition']), /flowlink-checkpoint-\d+\.json/);
      assert.equal(JSON.parse(dl.body).signature, signed.body.signature);
      const chain = await owner.req('GET', `${H}/audit/chain`);
      assert.equal(chain.body.intact, true, JSON.stringify(chain.body));
      assert.equal(chain.body.checkpoint.seq, signed.body.seq);
      assert.equal(chain.body.checkpoint.key_id, signed.body.key_id);
      assert.equal(chain.body.last_seq, signed.body.seq);
      const lastTwo = await owner.req('GET', `${H}/audit/chain?last=2`);
      assert.equal(lastTwo.body.records, 2);
      await fl.fl.store.query(`UPDATE audit_events SET data = jsonb_set(data, '{tool}', '"edited"') WHERE org_id = $1 AND data->>'call_id' = 'call_1'`, [home]);
      const broken = await owner.req('GET', `${H}/audit/chain`);
      assert.equal(broken.body.intact, false);
      assert.equal(broken.body.broken_at, (await owner.req('GET', `${H}/history/call_1`)).body.call.audit_seq);

      // Overview stats over the last 7 days.
      const st = await owner.req('GET', `${H}/stats/overview?window=7d&bucket=1d&top=2`);
      assert.equal(st.status, 200, JSON.stringify(st.body));
      assert.deepEqual({ ...st.body.counts }, { calls: 4, ok: 3, errors: 0, blocked: 1, approvals: 1, waitingApproval: null });
      assert.equal(st.body.series.reduce((n: number, p: { calls: number }) => n + p.calls, 0), 4);
      assert.ok(st.body.series.length >= 7 && st.body.series.length <= 8);
      assert.deepEqual(st.body.topAgents.map((a: { agent: string }) => a.agent), ['ci-bot', 'analyst']);
      assert.equal(st.body.topAgents[0].max_risk, 92);
      assert.deepEqual(st.body.topTools[0], { server: 'ops', tool: 'run_command', calls: 2, blocked: 1, max_risk: 92, avg_risk: 47.5 });
      assert.deepEqual(st.body.upstreams.map((u: { name: string }) => u.name), ['everything']);
      assert.equal((await owner.req('GET', `${H}/stats/overview?window=90d&bucket=1m`)).status, 400);
      assert.equal((await owner.req('GET', `${H}/stats/overview?window=forever`)).status, 400);

      // Org B's member cannot read any of org A's data, and sees only its own.
      for (const path of ['/history', '/history/call_0', '/history/export?format=csv', '/audit/events', `/audit/events/${one.body.event.seq}`, '/audit/chain', '/audit/checkpoint', '/stats/overview', '/activity/stream', '/audit/retention']) {
        const r = await raw(outsider, `${H}${path}`);
        assert.ok(r.statusCode === 403 || r.statusCode === 404, `${path}: ${r.statusCode}`);
        assert.ok(!r.body.includes('call_0') && !r.body.includes('rm -rf'), path);
      }
      // Roles: a viewer sees the overview only; an approver reads history but not the audit log.
      const viewer = await signUp(fl);
      const approver = await signUp(fl);
      await membersRepo.add(fl.fl.store, home, (await viewer.req('GET', '/api/v1/me')).body.user.id, 'viewer');
      await membersRepo.add(fl.fl.store, home, (await approver.req('GET', '/api/v1/me')).body.user.id, 'approver');
      assert.equal((await viewer.req('GET', `${H}/stats/overview`)).status, 200);
      for (const path of ['/history', '/audit/events', '/audit/chain']) assert.equal((await viewer.req('GET', `${H}${path}`)).status, 403, `viewer ${path}`);
      assert.equal((await approver.req('GET', `${H}/history`)).status, 200);
      assert.equal((await approver.req('GET', `${H}/audit/events`)).status, 403);

      const mine = await outsider.req('GET', `/api/v1/orgs/${other}/history`);
      assert.deepEqual(mine.body.calls.map((c: { call_id: string }) => c.call_id), ['bcall_0']);
      assert.equal((await outsider.req('GET', `/api/v1/orgs/${other}/stats/overview`)).body.counts.calls, 1);
    } finally {
      await fl.stop();
    }
  });
}
