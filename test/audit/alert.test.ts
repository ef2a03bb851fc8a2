import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startFlowLink } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';
import { startAlertReceiver } from '../fakes/audit-alert-webhook.ts';
import { ALERT_SECRET_ENV, ALERT_URL_ENV, createAuditAlerts, createWebhookAlertSink } from '../../src/audit/alert.ts';

// When the audit store breaks, calls fail closed and one alert per outage reaches the webhook.

test('a broken audit store fails calls, sends one signed firing alert, and a resolved one after the first good write', async () => {
  const hook = await startAlertReceiver({ secret: 'alert-secret-for-test' });
  process.env[ALERT_URL_ENV] = hook.url;
  process.env[ALERT_SECRET_ENV] = 'alert-secret-for-test';
  const fl = await startFlowLink();
  delete process.env[ALERT_URL_ENV];
  delete process.env[ALERT_SECRET_ENV];
  const c = await connectClient(`${fl.url}/mcp/everything`, fl.token);
  try {
    await c.client.callTool({ name: 'echo', arguments: { message: 'before' } });
    assert.equal(hook.received.length, 0);

    // Break the store: the table the call rows go to disappears.
    await fl.fl.store.query('ALTER TABLE calls RENAME TO calls_broken');
    await assert.rejects(c.client.callTool({ name: 'echo', arguments: { message: 'during 1' } }), /audit log/);
    await assert.rejects(c.client.callTool({ name: 'echo', arguments: { message: 'during 2' } }), /audit log/);
    await assert.rejects(c.client.callTool({ name: 'echo', arguments: { message: 'during 3' } }), /audit log/);
    await hook.waitFor(1);
    const firing = hook.received[0]!;
    assert.equal(firing.signed, true);
    assert.equal(firing.alert.status, 'firing');
    assert.equal(firing.alert.alert, 'audit_unavailable');
    assert.match(firing.alert.error, /calls/);
    const metrics = await fl.fl.metrics.registry.metrics();
    assert.match(metrics, /flowlink_audit_outages_total 1\b/);
    assert.match(metrics, /flowlink_audit_outage_firing 1\b/);
    assert.match(metrics, /flowlink_audit_healthy 0\b/);
    assert.equal(fl.fl.audit.healthy, false);
    const health = await fetch(`${fl.url}/healthz`);
    assert.equal(health.status, 503);

    // Repair: the next call runs, its record is written, and the outage is resolved once.
    await fl.fl.store.query('ALTER TABLE calls_broken RENAME TO calls');
    const ok = await c.client.callTool({ name: 'echo', arguments: { message: 'after' } });
    assert.match(JSON.stringify(ok.content), /after/);
    await hook.waitFor(2);
    const resolved = hook.received[1]!;
    assert.equal(resolved.alert.status, 'resolved');
    assert.equal(resolved.alert.started_at, firing.alert.started_at);
    assert.ok(resolved.alert.ended_at);
    assert.ok(resolved.alert.failed_writes >= 1);
    assert.equal(hook.received.length, 2, 'one firing and one resolved alert for the whole outage');
    assert.match(await fl.fl.metrics.registry.metrics(), /flowlink_audit_outage_firing 0\b/);

    // Nothing was half-written: no call row for the failed calls; the outage is in the log.
    const rows = await fl.fl.store.query<{ m: string }>(`SELECT arguments->>'message' AS m FROM calls ORDER BY audit_seq`);
    assert.deepEqual(rows.map((r) => r.m), ['before', 'after']);
    for (let i = 0; i < 50; i++) {
      if ((await fl.fl.store.query(`SELECT 1 FROM audit_events WHERE kind = 'audit.outage.ended'`)).length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const ended = await fl.fl.store.query<{ data: { failed_writes: number } }>(`SELECT data FROM audit_events WHERE kind = 'audit.outage.ended'`);
    assert.equal(ended.length, 1);
    assert.equal(ended[0]!.data.failed_writes, resolved.alert.failed_writes);
  } finally {
    await c.close();
    await fl.stop();
    await hook.close();
  }
});

test('an alert the webhook refuses is retried once; later failures only count; a healthy write sends nothing more', async () => {
  const hook = await startAlertReceiver();
  hook.failNext(1);
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(`${pino.levels.labels[JSON.parse(line).level]} ${JSON.parse(line).msg}`) });
  const alerts = createAuditAlerts({ logger, sinks: [createWebhookAlertSink({ url: hook.url })] });
  alerts.writeResult(false, new Error('disk full'));
  alerts.writeResult(false, new Error('disk full'));
  assert.equal(alerts.firing, true);
  await alerts.flush();
  assert.equal(hook.received.length, 1, 'delivered on the retry');
  assert.equal(hook.received[0]!.alert.error, 'disk full');
  assert.ok(logs.some((l) => l.startsWith('error the audit log cannot be written')));
  assert.ok(logs.some((l) => l.startsWith('warn audit outage alert could not be delivered')));
  alerts.writeResult(true);
  await alerts.flush();
  assert.deepEqual(hook.received.map((r) => [r.alert.status, r.alert.failed_writes]), [['firing', 1], ['resolved', 2]]);
  alerts.writeResult(true);
  await alerts.flush();
  assert.equal(hook.received.length, 2, 'no alert while healthy');
  await hook.close();
});
