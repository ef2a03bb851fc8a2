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
