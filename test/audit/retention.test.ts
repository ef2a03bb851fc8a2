import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, type Running } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, uniqueEmail, type Api } from '../identity/harness.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';
import { verifyStoredLog } from '../../src/audit/verify.store.ts';
import { membersRepo } from '../../src/identity/orgs.repo.ts';
import { chainRows, makeOrg, seedCallsWith } from './helpers.ts';
import { retentionRepo } from '../../src/audit/retention.repo.ts';
import { openStore } from '../../src/store/open.ts';

// Retention with the two-person purge, through the REST API, on PGlite and PostgreSQL.

async function signUp(fl: Running): Promise<Browser> {
  const b = new Browser({ app: fl.fl.app } as unknown as Api);
  const r = await b.req('POST', '/api/v1/auth/sign-up', { email: uniqueEmail('ret'), password: PASSWORD, name: 'T' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return b;
}

const count = async (fl: Running, org: string) => ({
  events: Number((await fl.fl.store.query<{ n: number }>('SELECT count(*) AS n FROM audit_events WHERE org_id = $1', [org]))[0]!.n),
  calls: Number((await fl.fl.store.query<{ n: number }>('SELECT count(*) AS n FROM calls WHERE org_id = $1', [org]))[0]!.n),
});

for (const backend of ['pglite', 'postgres'] as const) {
  test(`${backend}: a purge needs a second person; without approval nothing is deleted; after it the chain still verifies`, async () => {
    const fl = await startFlowLink({ identity: { signup: 'open' } }, { postgres: backend === 'postgres' });
    try {
      const owner = await signUp(fl);
      const org = fl.orgId;
      assert.equal((await owner.req('GET', '/api/v1/orgs')).body.orgs[0].id, org);
      const admin2 = await signUp(fl);
      const auditor = await signUp(fl);
      const viewer = await signUp(fl);
      const outsider = await signUp(fl);
      const outsiderOrg = (await outsider.req('POST', '/api/v1/orgs', { name: `x-${Date.now()}` })).body.org.id as string;
      for (const [b, role] of [[admin2, 'admin'], [auditor, 'auditor'], [viewer, 'viewer']] as const) {
        await membersRepo.add(fl.fl.store, org, (await b.req('GET', '/api/v1/me')).body.user.id, role);
      }

      // 40 records from a month ago (two with call rows), then today's calls through the writer.
      const old = chainRows(org, 40, 1, undefined, `evt_old_${backend}_`, Date.now() - 30 * 86_400_000);
      await auditRepo.append(fl.fl.store, old, []);
      for (const seq of [5, 6]) {
        await fl.fl.store.query(`INSERT INTO calls (id, org_id, audit_seq, server, tool, status, duration_ms, started_at, finished_at) VALUES ($1, $2, $3, 'ops', 'run', 'ok', 1, $4, $4)`, [`old_${seq}`, org, seq, old[seq - 1]!.ts]);
      }
      await seedCallsWith(fl.fl.audit, org);
      const signed = await owner.req('POST', `/api/v1/orgs/${org}/audit/checkpoint`);
      assert.equal(signed.status, 200, JSON.stringify(signed.body));
      const before = await count(fl, org);
      const R = `/api/v1/orgs/${org}/audit/retention`;

      // Setting retention: owners and admins only; a purge before that is refused.
      const noSetting = await owner.req('POST', `${R}/purges`);
      assert.equal(noSetting.status, 400);
      assert.match(noSetting.body.error.message, /retention period/);
      assert.equal((await auditor.req('PUT', R, { days: 7 })).status, 403);
      assert.equal((await owner.req('PUT', R, { days: 0 })).status, 400);
      const set = await owner.req('PUT', R, { days: 7 });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const shown = await auditor.req('GET', R);
      assert.equal(shown.body.days, 7);
      assert.deepEqual({ below: shown.body.due.below_seq, events: shown.body.due.events, calls: shown.body.due.calls }, { below: 41, events: 40, calls: 2 });

      // The request deletes nothing; the requester cannot approve it; nor can a viewer, an API key or another org.
      assert.equal((await auditor.req('POST', `${R}/purges`)).status, 403, 'auditors approve, they do not request');
      const req = await owner.req('POST', `${R}/purges`);
      assert.equal(req.status, 201, JSON.stringify(req.body));
      const id = req.body.request.id as string;
      assert.equal(req.body.request.state, 'pending');
      const pending = await count(fl, org);
      assert.deepEqual(pending, { events: before.events + 2, calls: before.calls }, 'a purge without approval deletes nothing (two events recorded: set, requested)');
      const self = await owner.req('POST', `${R}/purges/${id}/approve`);
      assert.equal(self.status, 403);
      assert.match(self.body.error.message, /second person/);
      assert.equal((await viewer.req('POST', `${R}/purges/${id}/approve`)).status, 403);
      const key = await owner.req('POST', `/api/v1/orgs/${org}/api-keys`, { name: 'robot', role: 'admin' });
      assert.equal(key.status, 201, JSON.stringify(key.body));
      const byKey = await fl.fl.app.inject({ method: 'POST', url: `${R}/purges/${id}/approve`, headers: { authorization: `Bearer ${key.body.secret}` } });
      assert.equal(byKey.statusCode, 403, byKey.body);
      const foreign = await outsider.req('POST', `${R}/purges/${id}/approve`);
      assert.ok(foreign.status === 403 || foreign.status === 404, String(foreign.status));
      assert.ok([403, 404].includes((await outsider.req('POST', `${R}/purges`)).status));
      assert.equal((await outsider.req('POST', `/api/v1/orgs/${outsiderOrg}/audit/retention/purges/${id}/approve`)).status, 404, 'looked up within the caller\'s own org only');
      assert.deepEqual(await count(fl, org), pending, 'refused approvals delete nothing');

      // A second request, rejected with a reason by the auditor: nothing deleted, and it cannot be approved after.
      const other = await admin2.req('POST', `${R}/purges`);
      assert.equal(other.status, 201);
      const rej = await auditor.req('POST', `${R}/purges/${other.body.request.id}/reject`, { reason: 'keep it for the audit' });
      assert.equal(rej.status, 200, JSON.stringify(rej.body));
      assert.equal(rej.body.request.state, 'rejected');
      assert.equal(rej.body.request.reason, 'keep it for the audit');
      assert.equal((await owner.req('POST', `${R}/purges/${other.body.request.id}/approve`)).status, 409);
      assert.equal((await count(fl, org)).events, pending.events + 2, 'requested and rejected recorded, nothing deleted');

      // Export before deleting: the range with its call rows, and the request records it.
      const exp = await fl.fl.app.inject({ method: 'GET', url: `${R}/purges/${id}/export`, headers: { cookie: [...auditor.jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      assert.equal(exp.statusCode, 200, exp.body);
      const lines = exp.body.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.seq), Array.from({ length: 40 }, (_, i) => i + 1));
      assert.deepEqual(lines.filter((l) => l.call).map((l) => l.call.id), ['old_5', 'old_6']);
      assert.equal(lines[0].hash, old[0]!.hash);
      const listed = (await owner.req('GET', R)).body.requests.find((q: { id: string }) => q.id === id);
      assert.ok(listed.exported_at);
      const exportEvent = (await owner.req('GET', `/api/v1/orgs/${org}/audit/events?kind=audit.exported`)).body.events[0];
      assert.deepEqual({ what: exportEvent.data.what, rows: exportEvent.data.rows, request: exportEvent.data.request_id }, { what: 'purge_range', rows: 40, request: id });
      assert.equal((await outsider.req('GET', `/api/v1/orgs/${outsiderOrg}/audit/retention/purges/${id}/export`)).status, 404);

      // A different person approves: exactly the requested range goes, with a signed marker.
      const ok = await auditor.req('POST', `${R}/purges/${id}/approve`);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.request.state, 'executed');
      assert.equal(ok.body.request.purged_events, 40);
      assert.equal(ok.body.request.purged_calls, 2);
      const after = await count(fl, org);
      assert.equal(after.events, before.events - 40 + 6, '40 purged; set, two requests, the rejection, the export and the purge recorded');
      assert.equal(after.calls, before.calls - 2);
      assert.equal((await auditor.req('POST', `${R}/purges/${id}/approve`)).status, 409);
      assert.equal((await auditor.req('GET', `${R}/purges/${id}/export`)).status, 409, 'an executed request has nothing left to export');

      // The chain still verifies, from where it now begins, and so does the status route.
      const report = await verifyStoredLog(fl.fl.store, { orgId: org });
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      assert.equal(report.beginsAt, 41);
      assert.equal(report.fromSeq, 41);
      const chain = await owner.req('GET', `/api/v1/orgs/${org}/audit/chain`);
      assert.equal(chain.body.intact, true, JSON.stringify(chain.body));
      assert.equal(chain.body.begins_at, 41);
      const state = await owner.req('GET', R);
      assert.equal(state.body.truncated_below.seq, 41);
      assert.equal(state.body.truncated_below.anchor_hash, old[39]!.hash);
      assert.equal(state.body.due.events, 0);
      assert.equal((await owner.req('POST', `${R}/purges`)).status, 400, 'nothing left to purge');

      // Every step is in the log.
      const kinds = (await owner.req('GET', `/api/v1/orgs/${org}/audit/events?kind=audit.retention.set,audit.purge.requested,audit.purge.executed`)).body.events.map((e: { kind: string }) => e.kind);
      assert.deepEqual(kinds, ['audit.purge.executed', 'audit.purge.requested', 'audit.purge.requested', 'audit.retention.set']);

      // A forged marker is not trusted: the purged range then shows as missing.
      await fl.fl.store.query(`UPDATE audit_truncations SET below_seq = 30 WHERE org_id = $1`, [org]);
      const forged = await verifyStoredLog(fl.fl.store, { orgId: org });
      assert.equal(forged.ok, false);
      assert.deepEqual([...new Set(forged.problems.map((p) => p.kind))].sort(), ['bad_signature', 'missing']);
    } finally {
      await fl.stop();
    }
  });
}

test('a purge plan takes only the prefix before the first record inside the window, and never the newest record', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    const org = await makeOrg(store, 'plan');
    const month = Date.now() - 30 * 86_400_000;
    await auditRepo.append(store, chainRows(org, 10, 1, undefined, 'evt_plan_', month), []);
    const cutoff = new Date(Date.now() - 7 * 86_400_000);
    assert.deepEqual(await retentionRepo.plan(store, org, cutoff).then((p) => [p.below_seq, p.events]), [10, 9], 'all old: everything but the head');
    // Another instance's clock put record 5 inside the window: 6..9 stay although they look old.
    await store.query('UPDATE audit_events SET ts = now() WHERE org_id = $1 AND seq = 5', [org]);
    const p = await retentionRepo.plan(store, org, cutoff);
    assert.deepEqual([p.below_seq, p.events], [5, 4]);
    assert.equal(p.anchor_hash, (await auditRepo.event(store, org, { seq: 4 }))!.hash);
  } finally {
    await store.close();
  }
});
