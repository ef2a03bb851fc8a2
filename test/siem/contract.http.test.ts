import { test } from 'node:test';
import { runSinkContract, type SinkCase } from './contract.ts';
import { startFakeWebhook } from '../fakes/siem/webhook.ts';
import { startFakeAlertmanager } from '../fakes/siem/alertmanager.ts';

// The shared sink contract (test/siem/contract.ts) against the webhook and Alertmanager sinks and their fakes.
const WEBHOOK_SECRET = 'contract-webhook-secret';

const cases: SinkCase[] = [
  ...(['flowlink', 'ocsf'] as const).map(
    (format): SinkCase => ({
      name: `webhook (${format})`,
      acknowledged: true,
      secrets: { WEBHOOK_KEY: WEBHOOK_SECRET },
      downError: /webhook contract answered HTTP 503/,
      refusedError: /connection failed \((ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)\)/,
      async start() {
        const hook = await startFakeWebhook(WEBHOOK_SECRET);
        return { receiver: hook, sink: { type: 'webhook', url: hook.url, secret: '{{secret:WEBHOOK_KEY}}', format } };
      },
    }),
  ),
  {
    name: 'alertmanager',
    acknowledged: true,
    downError: /alertmanager contract answered HTTP 503/,
    refusedError: /connection failed \((ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)\)/,
    async start() {
      const am = await startFakeAlertmanager();
      return { receiver: am, sink: { type: 'alertmanager', url: am.url } };
    },
  },
];

// The contract runs on PostgreSQL; one case on PGlite too.
cases.push({ ...cases[0]!, name: 'webhook (flowlink) on PGlite', pglite: true });

for (const c of cases) test(`sink contract: ${c.name}`, () => runSinkContract(c));
