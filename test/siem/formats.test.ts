import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SiemEvent } from '../../src/siem/siem.types.ts';
import { SinkError } from '../../src/siem/siem.types.ts';
import { toCef, cefHeader, cefValue } from '../../src/siem/formats/cef.ts';
import { octetFrame, toRfc5424 } from '../../src/siem/formats/syslog.ts';
import { toAlerts } from '../../src/siem/formats/alertmanager.ts';
import { readHecAnswer, toHecBody } from '../../src/siem/formats/hec.ts';
import { toOcsf, ocsfClassOf } from '../../src/siem/formats/ocsf.ts';
import { webhookBody } from '../../src/siem/formats/webhook.ts';
import { compileFilter, globToRegExp } from '../../src/siem/filter.ts';
import { backoffDelay } from '../../src/siem/delivery.ts';
import { createHecSink, createAlertmanagerSink } from '../../src/siem/sinks/index.ts';
import { parseCef, parseRfc5424 } from '../fakes/siem/syslog.ts';
import { validateAlert, startFakeAlertmanager } from '../fakes/siem/alertmanager.ts';
import { splitConcatenatedJson, startFakeHec } from '../fakes/siem/splunk-hec.ts';

const TS = '2026-03-01T12:00:00.250Z';
function ev(kind: string, data: unknown, over: Partial<SiemEvent> = {}): SiemEvent {
  return { org_id: 'org_a', seq: 7, id: 'evt_abc', ts: TS, kind, code: 'FL-CALL-0001', actor_type: 'agent', actor_id: 'agt_1', outcome: 'success', data, prev_hash: '0'.repeat(64), hash: 'f'.repeat(64), severity: 'info', ...over };
}
const call = (over: Record<string, unknown> = {}) => ({ call_id: 'call_1', server: 'fs', tool: 'write_file', arguments_sha256: 'a'.repeat(64), status: 'ok', error: null, duration_ms: 12.6, session_id: 'ses_1', ...over });

test('CEF: header and extension escaping, and the line parses back to the same values', () => {
  assert.equal(cefHeader('a|b\\c\nd'), 'a\\|b\\\\c d');
  assert.equal(cefValue('x=y\\z\r\nw'), 'x\\=y\\\\z\\nw');
  const tricky = ev('call.completed', call({ tool: 'run|me = now', error: 'line1\nline2 key=value' }), { severity: 'high', code: 'FL-CALL-0001' });
  const line = toCef(tricky);
  assert.match(line, /^CEF:0\|FlowLink\|FlowLink\|[^|]+\|FL-CALL-0001\|[^|]+\|8\|rt=1772366400250 externalId=evt_abc /);
  const { header, ext } = parseCef(line);
  assert.equal(header.length, 7);
  assert.equal(ext.cs4, 'run|me = now', 'value with a pipe and "=" survives');
  assert.equal(ext.cs3Label, 'server');
  assert.equal(ext.cn1, '7');
  assert.equal(ext.cat, 'call.completed');
  assert.equal(JSON.parse(ext.msg!).error, 'line1\nline2 key=value');
});

test('RFC 5424: PRI from facility and severity, escaped structured data, octet counting in bytes', () => {
  const e = ev('agent.revoked', { agent_id: 'a', name: 'x' }, { severity: 'medium', code: 'FL-AGENT-0002', org_id: 'org_"q]\\' });
  const msg = toRfc5424(e, { facility: 13, hostname: 'gw 1', appName: 'flowlink', procId: '42' }, 'CEF:0|x|y|1|FL-AGENT-0002|n|5|externalId=evt_abc');
  assert.ok(msg.startsWith(`<108>1 ${TS} gw_1 flowlink 42 FL-AGENT-0002 [flowlink@32473 id="evt_abc" seq="7" org="org_\\"q\\]\\\\" kind="agent.revoked"] CEF:0|`));
  const p = parseRfc5424(msg);
  assert.equal(p.pri, 108);
  assert.equal(p.sd[0]!.params.org, 'org_"q]\\');
  assert.equal(octetFrame('é'), '2 é', 'length in bytes, not characters');
  const crit = toRfc5424(ev('audit.verify.failed', {}, { severity: 'critical' }), { facility: 10, hostname: 'h', appName: 'a', procId: '1' }, 'm');
  assert.ok(crit.startsWith('<82>1 '), 'authpriv (10) * 8 + critical (2)');
});

test('Alertmanager: severity mapping, required fields, the event id as a label, end after resolveAfter', () => {
  const [low, high, crit] = toAlerts(
    [ev('agent.created', { agent_id: 'a', name: 'n' }, { severity: 'low' }), ev('tool.changed', { server: 'fs', tool: 't' }, { severity: 'high', id: 'evt_2' }), ev('audit.verify.failed', {}, { severity: 'critical', id: 'evt_3' })],
    { resolveAfterMs: 60_000, generatorUrl: 'https://console.example/audit' },
  );
  assert.equal(low!.labels.severity, 'info');
  assert.equal(high!.labels.severity, 'critical');
  assert.equal(high!.labels.flowlink_severity, 'high');
  assert.equal(crit!.labels.severity, 'critical');
  assert.equal(high!.labels.server, 'fs');
  assert.equal(high!.labels.flowlink_event_id, 'evt_2');
  assert.equal(low!.startsAt, TS);
  assert.equal(Date.parse(low!.endsAt) - Date.parse(low!.startsAt), 60_000);
  for (const a of [low, high, crit]) assert.equal(validateAlert(a), undefined);
  assert.equal(validateAlert({ labels: { severity: 'x' } }), 'alertname label missing');
  assert.equal(validateAlert({ labels: { alertname: 'x', 'bad-name': 'y' } }), 'invalid label name "bad-name"');
  assert.equal(validateAlert({ labels: { alertname: 'x' }, startsAt: TS, endsAt: '2020-01-01T00:00:00Z' }), 'start time must be before end time');
});

test('HEC: concatenated event objects with epoch-seconds time, index and sourcetype; answer codes', () => {
  const body = toHecBody([ev('agent.created', { agent_id: 'a', name: 'n' }), ev('agent.revoked', { agent_id: 'a', name: 'n' }, { id: 'evt_2', seq: 8 })], { format: 'flowlink', host: 'gw', source: 'flowlink', sourcetype: 'flowlink:audit', index: 'security' });
  assert.equal(body.trimStart()[0], '{', 'not a JSON array');
  const parts = splitConcatenatedJson(body)!.map((p) => JSON.parse(p));
  assert.equal(parts.length, 2);
  assert.equal(parts[0].time, 1772366400.25);
  assert.equal(parts[0].index, 'security');
  assert.equal(parts[1].event.id, 'evt_2');
  assert.equal(parts[1].event.seq, 8);
  assert.deepEqual(readHecAnswer(200, '{"text":"Success","code":0}'), { ok: true });
  assert.deepEqual(readHecAnswer(403, '{"text":"Invalid token","code":4}'), { ok: false, message: 'HTTP 403, HEC code 4: invalid token', retryable: false });
  assert.equal((readHecAnswer(503, '{"text":"Server is busy","code":9}') as { retryable: boolean }).retryable, true);
  assert.equal((readHecAnswer(502, '<html>bad gateway</html>') as { retryable: boolean }).retryable, true);
});

test('the fake HEC refuses a wrong token with code 4 and FlowLink reports it as not retryable; the fake Alertmanager refuses an invalid alert', async () => {
  const hec = await startFakeHec('right-token');
  const am = await startFakeAlertmanager();
  try {
    const sink = createHecSink({ id: 'splunk', url: hec.url, token: 'wrong-token' });
    const err = await sink.send([ev('agent.created', { agent_id: 'a', name: 'n' })]).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SinkError);
    assert.equal(err.retryable, false);
    assert.match(err.message, /^splunk-hec splunk: HTTP 403, HEC code 4: invalid token$/);
    assert.doesNotMatch(err.message, /wrong-token/);
    assert.deepEqual(hec.answers, [4]);
    for (const base of [hec.url, `${hec.url}/`, `${hec.url}/services/collector`, `${hec.url}/services/collector/event`]) {
      const ok = createHecSink({ id: 'splunk', url: base, token: 'right-token' });
      assert.equal(ok.target, `${hec.url}/services/collector/event`, base);
      await ok.send([ev('agent.created', { agent_id: 'a', name: 'n' })]);
    }
    assert.deepEqual(hec.answers, [4, 0, 0, 0, 0]);
    const noAuth = await fetch(`${hec.url}/services/collector/event`, { method: 'POST', body: '{"event":"x"}' });
    assert.deepEqual([noAuth.status, await noAuth.json()], [401, { text: 'Token is required', code: 2 }]);
    assert.equal(hec.answers.at(-1), 2);
    const blank = await fetch(`${hec.url}/services/collector/event`, { method: 'POST', headers: { authorization: 'Splunk right-token' }, body: '{"time":1}' });
    assert.deepEqual([blank.status, ((await blank.json()) as { code: number }).code], [400, 12]);

    const bad = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: {} }]) });
    assert.equal(bad.status, 400);
    assert.deepEqual(am.rejected, ['at least one label pair required']);
    await createAlertmanagerSink({ id: 'am', url: am.url }).send([ev('tool.flagged', { server: 'fs', tool: 't' }, { severity: 'high' })]);
    assert.equal(am.received[0]!.kind, 'tool.flagged');
  } finally {
    await hec.close();
    await am.close();
  }
});

test('OCSF: API Activity 6003 for calls, Detection Finding 2004 for Shield, Authentication 3002 for sign-ins, Base Event otherwise', () => {
  const done = toOcsf(ev('call.completed', call({ decision: { shield: { verdict: 'allow', risk: 12 } } }))) as Record<string, any>;
  assert.equal(done.class_uid, 6003);
  assert.equal(done.category_uid, 6);
  assert.equal(done.activity_id, 99);
  assert.equal(done.type_uid, 600399);
  assert.equal(done.time, Date.parse(TS));
  assert.equal(done.severity_id, 1);
  assert.equal(done.status_id, 1);
  assert.equal(done.api.operation, 'tools/call');
  assert.equal(done.api.service.name, 'fs');
  assert.equal(done.actor.user.uid, 'agt_1');
  assert.equal(done.src_endpoint.uid, 'ses_1');
  assert.equal(done.resources[0].name, 'write_file');
  assert.equal(done.disposition_id, 1);
  assert.deepEqual([done.metadata.uid, done.metadata.sequence, done.metadata.tenant_uid, done.metadata.event_code, done.metadata.product.vendor_name, done.metadata.version], ['evt_abc', 7, 'org_a', 'FL-CALL-0001', 'FlowLink', '1.5.0']);
  assert.equal(done.metadata.correlation_uid, 'call_1');

  const policyDenied = toOcsf(ev('call.denied', call({ status: 'denied', decision: { policy: { rule: 'r1' } } }), { outcome: 'denied', severity: 'medium' })) as Record<string, any>;
  assert.equal(policyDenied.class_uid, 6003, 'a policy denial is an API activity with a Denied action');
  assert.deepEqual([policyDenied.action_id, policyDenied.disposition_id, policyDenied.status_id, policyDenied.severity_id], [2, 2, 2, 3]);

  const blocked = toOcsf(ev('call.denied', call({ status: 'denied', decision: { shield: { verdict: 'block', risk: 95, reasons: ['rm -rf /'] } } }), { outcome: 'denied', severity: 'medium' })) as Record<string, any>;
  assert.equal(blocked.class_uid, 2004);
  assert.equal(blocked.category_uid, 2);
  assert.equal(blocked.type_uid, 200401);
  assert.equal(blocked.finding_info.uid, 'evt_abc');
  assert.match(blocked.finding_info.title, /stopped by a check/);
  assert.equal(blocked.disposition, 'Blocked');
  assert.equal(blocked.risk_score, 95);
  assert.equal(blocked.is_alert, true);

  const changed = toOcsf(ev('tool.changed', { server: 'fs', tool: 't', hash: 'b'.repeat(64) }, { severity: 'high' })) as Record<string, any>;
  assert.deepEqual([changed.class_uid, changed.activity_id, changed.status_id, changed.severity_id, changed.resources[0].uid], [2004, 1, 1, 4, 'fs/t']);
  const approved = toOcsf(ev('tool.approved', { server: 'fs', tool: 't' }, { severity: 'medium' })) as Record<string, any>;
  assert.deepEqual([approved.class_uid, approved.activity_id, approved.activity_name, approved.status], [2004, 3, 'Close', 'Resolved']);
  assert.equal(ocsfClassOf({ kind: 'tool.pinned', data: {} }), 'detection_finding');
  assert.equal(ocsfClassOf({ kind: 'result.injection', data: {} }), 'detection_finding');

  const login = toOcsf(ev('auth.login.succeeded', { user_id: 'usr_1', email: 'a@example.test', mfa: true, ip: '10.0.0.9' }, { actor_type: 'user', actor_id: 'usr_1' })) as Record<string, any>;
  assert.deepEqual([login.class_uid, login.category_uid, login.activity_id, login.type_uid], [3002, 3, 1, 300201]);
  assert.equal(login.user.uid, 'usr_1');
  assert.equal(login.is_mfa, true);
  assert.equal(login.src_endpoint.ip, '10.0.0.9');
  assert.equal(login.service.name, 'FlowLink', 'service or dst_endpoint: at least one');
  const logout = toOcsf(ev('auth.logout', { user_id: 'usr_1' }, { actor_type: 'user' })) as Record<string, any>;
  assert.deepEqual([logout.class_uid, logout.activity_id, logout.activity_name], [3002, 2, 'Logoff']);

  const other = toOcsf(ev('gateway.started', { address: 'x', pid: 1, servers: [], store: 'pglite' }, { actor_type: 'system', actor_id: null })) as Record<string, any>;
  assert.deepEqual([other.class_uid, other.category_uid, other.type_uid, other.activity_name], [0, 0, 99, 'gateway.started']);
  assert.equal(other.unmapped.flowlink.data.pid, 1);
  assert.equal(JSON.parse(webhookBody([ev('call.completed', call())], 'ocsf')).events[0].class_uid, 6003);
});

test('filters: kind globs and minimum severity; backoff: exponential, capped, jittered', () => {
  assert.ok(globToRegExp('call.*').test('call.denied'));
  assert.ok(!globToRegExp('call.*').test('recall.denied'));
  assert.ok(globToRegExp('*.denied').test('secret.denied'));
  assert.ok(!globToRegExp('call.d+').test('call.dd'), 'only * is special');
  const f = compileFilter({ kinds: ['call.*', 'tool.*'], minSeverity: 'medium' });
  assert.deepEqual(
    [f({ kind: 'call.denied', severity: 'medium' }), f({ kind: 'call.completed', severity: 'info' }), f({ kind: 'agent.revoked', severity: 'medium' }), f({ kind: 'tool.changed', severity: 'high' })],
    [true, false, false, true],
  );
  assert.equal(compileFilter(undefined)({ kind: 'anything', severity: 'info' }), true);
  const o = { base: 1000, max: 60_000, retryable: true };
  assert.deepEqual([1, 2, 3, 4].map((a) => backoffDelay(a, { ...o, random: 0 })), [500, 1000, 2000, 4000], 'half of base * 2^(n-1) at the low end');
  assert.deepEqual([1, 2, 3, 4].map((a) => backoffDelay(a, { ...o, random: 0.999999 })), [1000, 2000, 4000, 8000]);
  assert.equal(backoffDelay(30, { ...o, random: 1 }), 60_000, 'capped');
  assert.equal(backoffDelay(1, { ...o, retryable: false, random: 0 }), 30_000, 'not retryable: the longest delay (jittered)');
});
