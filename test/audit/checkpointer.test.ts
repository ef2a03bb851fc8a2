import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditWriter } from '../../src/audit/audit.writer.ts';
import { createAuditKeys } from '../../src/audit/keys.ts';
import { createCheckpointer } from '../../src/audit/checkpointer.ts';
import { checkpointRepo } from '../../src/audit/checkpoint.repo.ts';
import { verifyCheckpointSignature } from '../../src/audit/checkpoint.ts';
import { verifyStoredLog } from '../../src/audit/verify.store.ts';
import { backends, makeOrg } from './helpers.ts';

for (const [name, open] of backends) {
  test(`${name}: the checkpointer signs every N events or after M minutes, and rotation keeps old checkpoints valid`, async () => {
    const store = await open();
    try {
      const org = await makeOrg(store, 'cp');
      const writer = createAuditWriter({ store });
      const keys = createAuditKeys({ store });
      let now = Date.UTC(2026, 5, 1);
      const cpr = createCheckpointer({ store, keys, everyEvents: 10, everyMs: 60_000, now: () => new Date(now) });
      const append = (n: number) => Promise.all(Array.from({ length: n }, () => writer.append({ orgId: org, kind: 'gateway.stopped', actor: { type: 'system', id: null }, outcome: 'success', data: { signal: 'SIGTERM' } })));
      await append(25);
      assert.deepEqual((await cpr.runOnce()).map((c) => c.seq), [25]);
      await append(3);
      assert.deepEqual(await cpr.runOnce(), [], 'below N and not old enough');
      now += 61_000;
      const first = await keys.active();
      const r = await keys.rotate();
      assert.equal(r.previous, first.id);
      assert.deepEqual((await cpr.runOnce()).map((c) => [c.seq, c.key_id]), [[28, r.id]]);
      await append(2);
      await cpr.stop();
      const all = await checkpointRepo.list(store, org);
      assert.deepEqual(all.map((c) => c.seq), [25, 28, 30], 'stop signs a final checkpoint');
      const pubs = await keys.publicKeys();
      for (const c of all) assert.ok(verifyCheckpointSignature(c, pubs.get(c.key_id)!), `checkpoint ${c.seq} verifies`);
      assert.ok(!verifyCheckpointSignature({ ...all[0]!, seq: 26 }, pubs.get(all[0]!.key_id)!), 'a changed checkpoint does not');
      const report = await verifyStoredLog(store, { orgId: org });
      assert.equal(report.ok, true);
      assert.equal(report.checkpointsChecked, 3);
      await writer.close();
    } finally {
      await store.close();
    }
  });
}
