import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainHash } from '../../src/audit/chain.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';
import { verifyStoredLog } from '../../src/audit/verify.store.ts';
import { verifyChain, type VerifyReport } from '../../src/audit/verify.ts';
import { createAuditKeys } from '../../src/audit/keys.ts';
import { checkpointOrg } from '../../src/audit/checkpointer.ts';
import { checkpointRepo } from '../../src/audit/checkpoint.repo.ts';
import { publicKeyB64, CHECKPOINT_FORMAT, type ExportedCheckpoint } from '../../src/audit/checkpoint.ts';
import { backends, chainRows, makeOrg, renumber, seedLog } from './helpers.ts';

const N = 200;

function only(r: VerifyReport, kind: string, seq: number) {
  assert.equal(r.ok, false, 'tampering is detected');
  assert.deepEqual(r.problems.map((p) => [p.kind, p.seq]), [[kind, seq]], JSON.stringify(r.problems, null, 1));
  assert.ok(r.problems[0]!.message.includes(String(seq)), 'the message names the place');
}

test('pure: a clean chain verifies; each kind of tampering is found where it is', () => {
  const rows = chainRows('o', 50);
  assert.equal(verifyChain(rows, { orgId: 'o' }).ok, true);
  // a row edited in memory
  const edited = rows.map((r) => (r.seq === 7 ? { ...r, outcome: 'failure' } : r));
  only(verifyChain(edited, { orgId: 'o' }), 'edited', 7);
  // a row removed
  only(verifyChain(rows.filter((r) => r.seq !== 20), { orgId: 'o' }), 'missing', 20);
  // a rewritten row with a recomputed hash breaks the next link
  const { prev_hash: p30, hash: _h30, ...f30 } = { ...rows[29]!, data: { forged: true } };
  const rewritten = rows.map((r) => (r.seq === 30 ? { ...f30, prev_hash: p30, hash: chainHash(p30, f30) } : r));
  only(verifyChain(rewritten, { orgId: 'o' }), 'broken_link', 31);
});

for (const [name, open] of backends) {
  test(`${name}: flip one byte, delete, reorder, insert, rewrite, truncate: each detected and located`, async () => {
    const store = await open();
    try {
      const keys = createAuditKeys({ store });
      const fresh = async (label: string) => {
        const org = await makeOrg(store, label);
        await seedLog(store, org, N);
        return org;
      };
      const verify = (org: string, extra: Parameters<typeof verifyStoredLog>[1] extends infer O ? Partial<O> : never = {}) => verifyStoredLog(store, { orgId: org, pageSize: 64, ...extra });

      const clean = await fresh('clean');
      const ok = await verify(clean);
      assert.equal(ok.ok, true, JSON.stringify(ok.problems));
      assert.equal(ok.records, N);
      assert.equal((await verify(clean, { fromSeq: 150 })).ok, true, '--from verifies a suffix, linked to the record before it');

      // flip one byte of one record's data
      const flip = await fresh('flip');
      await store.query(`UPDATE audit_events SET data = jsonb_set(data, '{note}', to_jsonb(replace(data->>'note', 'number', 'numbes'))) WHERE org_id = $1 AND seq = 120`, [flip]);
      only(await verify(flip), 'edited', 120);

      // delete a record
      const del = await fresh('del');
      await store.query('DELETE FROM audit_events WHERE org_id = $1 AND seq = 77', [del]);
      only(await verify(del), 'missing', 77);

      // delete a record and renumber the rest to hide the gap
      const delr = await fresh('delr');
      await store.query('DELETE FROM audit_events WHERE org_id = $1 AND seq = 77', [delr]);
      await renumber(store, delr, 78, -1);
      only(await verify(delr), 'missing', 77);

      // reorder two neighbours, and two far apart
      for (const [a, b] of [[50, 51], [30, 150]] as const) {
        const re = await fresh(`reorder${a}`);
        await store.query('UPDATE audit_events SET seq = CASE seq WHEN $2::bigint THEN $3::bigint ELSE $2::bigint END + 1000000 WHERE org_id = $1 AND seq IN ($2, $3)', [re, a, b]);
        await store.query('UPDATE audit_events SET seq = seq - 1000000 WHERE org_id = $1 AND seq > 1000000', [re]);
        only(await verify(re), 'reordered', a);
      }

      // insert a well-chained forged record at 100 and renumber the rest
      const ins = await fresh('ins');
      await renumber(store, ins, 100, 1);
      const [r99] = await auditRepo.events(store, ins, 99, 1);
      const forged = chainRows(ins, 1, 100, r99!.hash, 'evt_forged_')[0]!;
      await auditRepo.append(store, [forged], []);
      only(await verify(ins), 'inserted', 100);

      // rewrite the tail from 60 on with recomputed hashes: only a checkpoint can tell
      const rw = await fresh('rewrite');
      await checkpointOrg({ store, keys }, rw);
      const tail = await auditRepo.events(store, rw, 60, N);
      let prev = tail[0]!.prev_hash;
      for (const e of tail) {
        const { prev_hash: _p, hash: _h, ...fields } = e;
        const f = { ...fields, ts: new Date(e.ts).toISOString(), data: { ...(e.data as object), note: 'rewritten' } };
        const hash = chainHash(prev, f);
        await store.query('UPDATE audit_events SET data = $3, prev_hash = $4, hash = $5 WHERE org_id = $1 AND seq = $2', [rw, e.seq, JSON.stringify(f.data), prev, hash]);
        prev = hash;
      }
      only(await verify(rw), 'checkpoint_mismatch', N);

      // truncate the tail, checkpoint table included: the exported checkpoint still tells
      const tr = await fresh('trunc');
      const cp = (await checkpointOrg({ store, keys }, tr))!;
      const key = await keys.active();
      const exported: ExportedCheckpoint = { ...cp, format: CHECKPOINT_FORMAT, version: 1, org_name: 'trunc', algorithm: 'ed25519', public_key: publicKeyB64(key.publicKey) };
      await store.query('DELETE FROM audit_events WHERE org_id = $1 AND seq > 180', [tr]);
      only(await verify(tr), 'truncated', 181);
      await store.query('DELETE FROM audit_checkpoints WHERE org_id = $1', [tr]);
      assert.equal((await verify(tr)).ok, true, 'without any checkpoint a truncated tail looks like a shorter log');
      only(await verify(tr, { exported }), 'truncated', 181);
      only(await verify(tr, { exported: { ...exported, seq: 190 } }), 'bad_signature', 190);

      // a forged stored checkpoint
      const fc = await fresh('forgedcp');
      const good = (await checkpointOrg({ store, keys }, fc))!;
      await store.query('UPDATE audit_checkpoints SET hash = $2 WHERE org_id = $1', [fc, 'f'.repeat(64)]);
      only(await verify(fc), 'bad_signature', good.seq);
      assert.equal((await checkpointRepo.list(store, fc)).length, 1);
    } finally {
      await store.close();
    }
  });

  test(`${name}: a clean log of 100,000 records verifies`, async () => {
    const store = await open();
    try {
      const org = await makeOrg(store, 'big');
      const t0 = performance.now();
      await seedLog(store, org, 100_000);
      const t1 = performance.now();
      let progress = 0;
      const r = await verifyStoredLog(store, { orgId: org, onProgress: () => progress++ });
      const t2 = performance.now();
      assert.equal(r.ok, true, JSON.stringify(r.problems.slice(0, 3)));
      assert.equal(r.records, 100_000);
      assert.equal(r.lastSeq, 100_000);
      assert.ok(progress > 0, 'progress is reported');
      console.log(`# ${name}: seeded 100k in ${((t1 - t0) / 1000).toFixed(1)} s, verified in ${((t2 - t1) / 1000).toFixed(1)} s (${Math.round(100_000 / ((t2 - t1) / 1000))} records/s)`);
    } finally {
      await store.close();
    }
  });
}
