import { test } from 'node:test';
import { runSinkContract, type SinkCase } from './contract.ts';
import { startFakeHec } from '../fakes/siem/splunk-hec.ts';

// The shared sink contract (test/siem/contract.ts) against the Splunk HEC sink and its fake, in both formats (PostgreSQL).
const HEC_TOKEN = '6f1d7c1e-2b53-4a0c-9b0e-2d1c1f0a9e11';

const cases: SinkCase[] = [
  ...(['flowlink', 'ocsf'] as const).map(
    (format): SinkCase => ({
      name: `splunk-hec (${format})`,
      acknowledged: true,
      secrets: { 'env:SPLUNK_HEC_TOKEN': HEC_TOKEN },
      downError: /HTTP 503, HEC code 9: server is busy/,
      refusedError: /connection failed \((ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)\)/,
      async start() {
        const hec = await startFakeHec(HEC_TOKEN);
        return { receiver: hec, sink: { type: 'splunk-hec', url: hec.url, token: '{{secret:env:SPLUNK_HEC_TOKEN}}', format, index: 'security' } };
      },
    }),
  ),
];

for (const c of cases) test(`sink contract: ${c.name}`, () => runSinkContract(c));
