import { test, before, after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSinkContract, type SinkCase } from './contract.ts';
import { startFakeSyslog } from '../fakes/siem/syslog.ts';
import { selfSignedCert } from '../fakes/siem/cert.ts';

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
