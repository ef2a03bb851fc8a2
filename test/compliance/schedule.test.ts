import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.ts';
import { startSchedule } from '../../src/compliance/schedule.ts';
import { scheduleRepo } from '../../src/compliance/schedule.repo.ts';

// Scheduled jobs on several instances sharing one database: each slot runs once.
test('two schedulers on one database run a slot once, even when their timers fire for it again', async () => {
  const store = await openStore({ data: 'memory://' });
  try {
    const minute = Date.parse('2026-11-26T10:00:00Z');
    const now = () => minute - 1000; // the clock stands still just before a slot: every firing is for that slot
    const runs: string[] = [];
    let firings = 0;
    const make = (name: string) =>
      startSchedule('every 1m', async () => void runs.push(name), {
        now,
        claim: async (slot) => {
          firings++;
          assert.equal(slot.toISOString(), '2026-11-26T10:00:00.000Z');
          return scheduleRepo.claim(store, 'test-job', slot, name);
        },
      });
    const a = make('a');
    const b = make('b');
    while (firings < 4) await new Promise((r) => setTimeout(r, 100));
    await a.stop();
    await b.stop();
    assert.equal(runs.length, 1, `one run for the slot, not ${runs.join(',')}`);
    const rows = await store.query<{ instance: string }>("SELECT instance FROM scheduled_runs WHERE job = 'test-job'");
    assert.deepEqual(rows.map((r) => r.instance), runs);
  } finally {
    await store.close();
  }
});
