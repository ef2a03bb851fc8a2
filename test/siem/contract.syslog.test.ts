import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSinkContract, type SinkCase } from './contract.ts';
import { startFakeSyslog } from '../fakes/siem/syslog.ts';
import { selfSignedCert } from '../fakes/siem/cert.ts';
import { createSyslogSink } from '../../src/siem/sinks/index.ts';

// The shared sink contract (test/siem/contract.ts) against syslog RFC 5424 + CEF over TCP, TLS and UDP.
let tls: { key: string; cert: string };
let dir: string;
before(async () => {
  tls = await selfSignedCert();
  dir = mkdtempSync(join(tmpdir(), 'fl-siem-'));
  writeFileSync(join(dir, 'ca.pem'), tls.cert);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const syslog = (protocol: 'tcp' | 'tls' | 'udp'): SinkCase => ({
  name: `syslog over ${protocol}`,
  acknowledged: protocol !== 'udp',
  refusedError: new RegExp(`syslog contract: ${protocol} connection failed \\(ECONNREFUSED\\)`),
  async start() {
    const rx = await startFakeSyslog(protocol, tls);
    return { receiver: rx, sink: { type: 'syslog', host: rx.host, port: rx.port, protocol, ...(protocol === 'tls' ? { caFile: join(dir, 'ca.pem') } : {}), hostname: 'fl-test' } };
  },
});

for (const p of ['tcp', 'tls', 'udp'] as const) test(`sink contract: syslog over ${p}`, () => runSinkContract(syslog(p)));

test('syslog over TLS fails closed: a receiver whose certificate is not vouched for gets nothing', async () => {
  const rx = await startFakeSyslog('tls', tls);
  const other = await selfSignedCert();
  try {
    const ev = { org_id: 'org_a', seq: 1, id: 'evt_1', ts: new Date().toISOString(), kind: 'agent.revoked', code: 'FL-AGENT-0002', actor_type: 'system', actor_id: null, outcome: 'success', data: {}, prev_hash: '', hash: '', severity: 'medium' as const };
    for (const ca of [undefined, other.cert]) {
      const sink = createSyslogSink({ id: 'sl', host: rx.host, port: rx.port, protocol: 'tls', ca });
      await assert.rejects(sink.send([ev]), /syslog sl: tls connection failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|ERR_TLS_CERT_ALTNAME_INVALID)\)/);
      await sink.close!();
    }
    assert.equal(rx.received.length, 0);
  } finally {
    await rx.close();
  }
});
