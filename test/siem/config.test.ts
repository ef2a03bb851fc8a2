import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { SiemConfigSchema } from '../../src/siem/siem.config.ts';
import { wireSiem } from '../../src/siem/wire.ts';
import { openPgSchema } from '../audit/helpers.ts';
import { ROOT } from '../helpers/flowlink.ts';

const yaml = (sinks: string) => `siem:\n  sinks:\n${sinks}`;
const bad = (text: string): string => {
  try {
    parseConfig(text, 'flowlink.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the config was accepted');
};

test('a valid siem section parses with defaults', () => {
  const c = parseConfig(
    yaml(`    - { name: soc, type: webhook, url: "https://siem.example/in", secret: "{{secret:SIEM_HMAC}}", kinds: ["call.*"], minSeverity: medium }
    - { name: splunk, type: splunk-hec, url: "https://splunk:8088", token: { env: SPLUNK_TOKEN }, format: ocsf }
    - { name: am, type: alertmanager, url: "http://am:9093", resolveAfter: 10m }
    - { name: sl, type: syslog, host: siem.internal, port: 6514 }
`),
    'flowlink.yaml',
  );
  const [w, h, a, s] = c.siem!.sinks;
  assert.deepEqual([w!.type, w!.batchSize, w!.timeout, (w as { format: string }).format], ['webhook', 100, 10_000, 'flowlink']);
  assert.equal((h as { sourcetype: string }).sourcetype, 'flowlink:audit');
  assert.equal((a as { resolveAfter: number }).resolveAfter, 600_000);
  assert.deepEqual([(s as { protocol: string }).protocol, (s as { facility: number }).facility, (s as { format: string }).format], ['tls', 13, 'cef']);
  assert.deepEqual([c.siem!.pollInterval, c.siem!.retryBase, c.siem!.retryMax], [1000, 1000, 300_000]);
});

test('bad sink config gets an error naming the key and what is wrong', () => {
  assert.match(bad(yaml('    - { name: soc, type: webhook, url: "https://x.example", secret: "plain-text-secret" }\n')), /siem\.sinks\.0\.secret: .*literal credentials are not accepted/);
  assert.match(bad(yaml('    - { name: soc, type: kafka, url: "https://x.example" }\n')), /siem\.sinks\.0.*"type": webhook, alertmanager, splunk-hec or syslog/);
  assert.match(bad(yaml('    - { name: soc, type: webhook, urll: "https://x.example", secret: "{{secret:K}}" }\n')), /siem\.sinks\.0: unknown key "urll"/);
  assert.match(bad(yaml('    - { name: soc, type: alertmanager, url: "ftp://x.example" }\n')), /siem\.sinks\.0\.url: expected an http:\/\/ or https:\/\/ URL/);
  assert.match(bad(yaml('    - { name: a, type: alertmanager, url: "http://x" }\n    - { name: a, type: alertmanager, url: "http://y" }\n')), /siem\.sinks\.1\.name: sink name "a" is used twice/);
  assert.match(bad(yaml('    - { name: s, type: syslog, host: h, port: 514, protocol: udp, caFile: ca.pem }\n')), /siem\.sinks\.0\.caFile: caFile only applies to protocol: tls/);
  assert.match(bad(yaml('    - { name: s, type: syslog, host: h, port: 70000 }\n')), /siem\.sinks\.0\.port/);
  assert.match(bad(yaml('    - { name: s, type: alertmanager, url: "http://x", kinds: ["Call.*"] }\n')), /siem\.sinks\.0\.kinds\.0: a kind glob uses lowercase/);
  assert.match(bad(yaml('    - { name: s, type: alertmanager, url: "http://x", minSeverity: urgent }\n')), /siem\.sinks\.0\.minSeverity: expected one of info, low, medium, high, critical/);
  assert.match(bad(yaml('    - { name: "Bad Name", type: alertmanager, url: "http://x" }\n')), /siem\.sinks\.0\.name: sink names use lowercase/);
  assert.match(bad('siem:\n  sink: []\n'), /siem: unknown key "sink"/);
  const withUser = bad(yaml('    - { name: s, type: alertmanager, url: "https://admin:hunter2@am.example" }\n'));
  assert.match(withUser, /siem\.sinks\.0\.url: the URL must not carry a user name or password/);
  assert.doesNotMatch(withUser, /hunter2/, 'the error does not repeat the password');
});

test('a missing CA file stops the start with the sink and file named; a missing secret is a delivery error naming it, not its value', async () => {
  const store = await openPgSchema();
  try {
    const config = SiemConfigSchema.parse({ sinks: [{ name: 'sl', type: 'syslog', host: '127.0.0.1', port: 6514, caFile: 'no/such/ca.pem' }] });
    assert.throws(() => wireSiem({ config, store, secrets: { resolve: async () => undefined }, configOrgId: 'x', baseDir: ROOT }), /siem\.sinks "sl" caFile: cannot read .*no\/such\/ca\.pem/);
    const hook = SiemConfigSchema.parse({ sinks: [{ name: 'soc', type: 'webhook', url: 'http://127.0.0.1:9/x', secret: '{{secret:MISSING_KEY}}' }] });
    const siem = wireSiem({ config: hook, store, secrets: { resolve: async () => undefined }, configOrgId: 'x', baseDir: ROOT });
    await assert.rejects(siem.sinks[0]!.send([]), /siem\.sinks "soc" secret refers to secret "MISSING_KEY", which is not set/);
    const down = wireSiem({ config: hook, store, secrets: { resolve: async () => Promise.reject(new Error('vault: connect ECONNREFUSED token=s.abc')) }, configOrgId: 'x', baseDir: ROOT });
    const err = await down.sinks[0]!.send([]).then(() => undefined, (e: Error & { retryable?: boolean }) => e);
    assert.match(String(err?.message), /secret "MISSING_KEY" could not be read \(its backend did not answer\)/);
    assert.doesNotMatch(String(err?.message), /s\.abc/, "the backend's own error text stays out");
    assert.equal(err?.retryable, true);
    const env = SiemConfigSchema.parse({ sinks: [{ name: 'soc', type: 'webhook', url: 'http://127.0.0.1:9/x', secret: { env: 'SIEMTEST_UNSET_VAR' } }] });
    await assert.rejects(wireSiem({ config: env, store, secrets: { resolve: async () => undefined }, configOrgId: 'x', baseDir: ROOT, env: {} }).sinks[0]!.send([]), /environment variable SIEMTEST_UNSET_VAR, which is not set/);
  } finally {
    await store.close();
  }
});
