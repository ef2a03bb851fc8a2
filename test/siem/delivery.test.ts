import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditWriter } from '../../src/audit/audit.writer.ts';
import { createSiemDelivery } from '../../src/siem/delivery.ts';
import { createWebhookSink } from '../../src/siem/sinks/index.ts';
import { sinkStatuses } from '../../src/siem/status.ts';
import { startFakeWebhook } from '../fakes/siem/webhook.ts';
import { backends, makeOrg } from '../audit/helpers.ts';

const SECRET = 'test-hmac-secret';

for (const [name, open] of backends) {
  test(`${name}: a webhook sink that is down, with FlowLink restarted in between, gets every event exactly once and in order`, async () => {
    const store = await open();
    const hook = await startFakeWebhook(SECRET);
    try {
      const org = await makeOrg(store, 'siem');
      const sinkList = () => [createWebhookSink({ id: 'soc', url: hook.url, secret: SECRET }), createWebhookSink({ id: 'alerts', url: hook.url, secret: SECRET, filter: { minSeverity: 'medium' } })];
      const append = (writer: ReturnType<typeof createAuditWriter>, n: number, kind: 'gateway.stopped' | 'agent.revoked' = 'gateway.stopped') =>
        Promise.all(Array.from({ length: n }, (_, i) => writer.append({ orgId: org, kind, actor: { type: 'system', id: null }, outcome: 'success', data: kind === 'agent.revoked' ? { agent_id: `a${i}`, name: `n${i}` } : { signal: 'SIGTERM' } })));

      let writer = createAuditWriter({ store });
      let delivery = createSiemDelivery({ store, sinks: sinkList(), batch: 7, backoffMs: 0 });
      await append(writer, 30);
      await append(writer, 2, 'agent.revoked');
      await delivery.runOnce();
      assert.equal(hook.received.length, 32 + 2, 'all to soc, the two medium ones to alerts');

      hook.setDown(true);
      await append(writer, 20);
      await delivery.runOnce();
      const st = await sinkStatuses(store, sinkList());
      assert.deepEqual(st.map((s) => [s.sink, s.lag_events, s.attempts > 0]), [['soc', 20, true], ['alerts', 0, false]], 'alerts skips the info events without sending; soc waits');
      assert.match(st.find((s) => s.sink === 'soc')!.last_error ?? '', /HTTP 503/);

      // Restart: a new writer and a new delivery, with the sink still down for a while.
      await delivery.stop();
      await writer.close();
      writer = createAuditWriter({ store });
      delivery = createSiemDelivery({ store, sinks: sinkList(), batch: 7, backoffMs: 0 });
      await append(writer, 10);
      await delivery.runOnce();
      hook.setDown(false);
      await delivery.runOnce();

      const ids = hook.received.map((e) => e.id);
      const socSeqs = hook.received.filter((e) => e.kind === 'gateway.stopped').map((e) => e.seq);
      assert.deepEqual(socSeqs, [...socSeqs].sort((a, b) => a - b), 'in order');
      assert.equal(socSeqs.length, 60);
      assert.equal(new Set(ids).size, 62, 'every event once (the two revocations go to both sinks)');
      assert.equal(ids.length, 64);
      assert.deepEqual((await sinkStatuses(store, sinkList())).map((s) => s.lag_events), [0, 0]);
      assert.equal(hook.rejectedSignatures, 0);
      await writer.close();
    } finally {
      await hook.close();
      await store.close();
    }
  });
}

test('the fake rejects a bad signature', async () => {
  const hook = await startFakeWebhook(SECRET);
  try {
    const sink = createWebhookSink({ id: 'x', url: hook.url, secret: 'wrong' });
    await assert.rejects(sink.send([]), /webhook x answered HTTP 401/);
    assert.equal(hook.rejectedSignatures, 1);
  } finally {
    await hook.close();
  }
});

test('postgres: two instances share a sink through its lease: one delivers at a time, the other takes over when the lease runs out', async () => {
  const store = await backends[1]![1]();
  try {
    const org = await makeOrg(store, 'lease');
    const writer = createAuditWriter({ store });
    for (let i = 0; i < 25; i++) await writer.append({ orgId: org, kind: 'gateway.stopped', actor: { type: 'system', id: null }, outcome: 'success', data: { signal: `S${i}` } });
    const got: { holder: string; seq: number }[] = [];
    // An in-process sink (the SiemSink interface itself), recording which instance sent what.
    const sinkFor = (holder: string) => ({ id: 'shared', batchSize: 5, async send(events: readonly { seq: number }[]) { for (const e of events) got.push({ holder, seq: e.seq }); } });
    const a = createSiemDelivery({ store, sinks: [sinkFor('a')], holder: 'inst-a', leaseMs: 60_000 });
    const b = createSiemDelivery({ store, sinks: [sinkFor('b')], holder: 'inst-b', leaseMs: 60_000 });
    await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
    assert.equal(got.length, 25, 'each event once');
    assert.equal(new Set(got.map((g) => g.holder)).size, 1, 'one instance delivered');
    const first = got[0]!.holder;
    assert.deepEqual(got.map((g) => g.seq), Array.from({ length: 25 }, (_, i) => i + 1));

    for (let i = 0; i < 5; i++) await writer.append({ orgId: org, kind: 'gateway.stopped', actor: { type: 'system', id: null }, outcome: 'success', data: { signal: `T${i}` } });
    const [other, holderId] = first === 'a' ? [b, 'inst-a'] : [a, 'inst-b'];
    await other.runOnce();
    assert.equal(got.length, 25, 'the lease is held: the other instance sends nothing');
    await store.query("UPDATE siem_leases SET expires_at = now() - interval '1 second' WHERE holder = $1", [holderId]);
    await other.runOnce();
    assert.equal(got.length, 30);
    assert.notEqual(got.at(-1)!.holder, first, 'taken over after the lease ran out');
    assert.deepEqual(got.slice(25).map((g) => g.seq), [26, 27, 28, 29, 30]);
    await a.stop();
    await b.stop();
    assert.deepEqual(await store.query('SELECT * FROM siem_leases'), [], 'stopping gives the leases back');
    await writer.close();
  } finally {
    await store.close();
  }
});
