import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FlowLinkError } from '../../lib/errors.ts';
import type { SecretRef, SinkConfig } from '../siem.config.ts';
import type { SiemSink } from '../siem.types.ts';
import { createWebhookSink } from './webhook.sink.ts';
import { createAlertmanagerSink } from './alertmanager.sink.ts';
import { createHecSink } from './hec.sink.ts';
import { createSyslogSink } from './syslog.sink.ts';

export { createWebhookSink, createAlertmanagerSink, createHecSink, createSyslogSink };

/**
 * Builds a sink from its config. Credentials are fetched through `secret` at each send
 * (rotation applies without a restart); the CA file is read now, so a missing file is a
 * start-up error that names the sink and the key.
 */
export function sinkFromConfig(c: SinkConfig, deps: { secret: (ref: SecretRef, what: string) => Promise<string>; baseDir: string }): SiemSink {
  const base = { id: c.name, filter: { kinds: c.kinds, minSeverity: c.minSeverity }, batchSize: c.batchSize, timeoutMs: c.timeout };
  const cred = (ref: SecretRef, what: string) => () => deps.secret(ref, `siem.sinks "${c.name}" ${what}`);
  switch (c.type) {
    case 'webhook':
      return createWebhookSink({ ...base, url: c.url, secret: cred(c.secret, 'secret'), format: c.format });
    case 'alertmanager':
      return createAlertmanagerSink({ ...base, url: c.url, token: c.token ? cred(c.token, 'token') : undefined, resolveAfterMs: c.resolveAfter, generatorUrl: c.generatorUrl });
    case 'splunk-hec':
      return createHecSink({ ...base, url: c.url, token: cred(c.token, 'token'), format: c.format, index: c.index, source: c.source, sourcetype: c.sourcetype });
    case 'syslog': {
      let ca: string | undefined;
      if (c.caFile) {
        const file = resolve(deps.baseDir, c.caFile);
        try {
          ca = readFileSync(file, 'utf8');
        } catch {
          throw new FlowLinkError('config_invalid', `siem.sinks "${c.name}" caFile: cannot read ${file}`);
        }
        if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new FlowLinkError('config_invalid', `siem.sinks "${c.name}" caFile: ${file} holds no PEM certificate`);
      }
      return createSyslogSink({ ...base, host: c.host, port: c.port, protocol: c.protocol, ca, facility: c.facility, appName: c.appName, hostname: c.hostname });
    }
  }
}
