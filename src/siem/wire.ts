import type { Registry } from 'prom-client';
import type { Store } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import { SiemConfigSchema, secretRefName, type SecretRef, type SiemConfig } from './siem.config.ts';
import { sinkFromConfig } from './sinks/index.ts';
import { createSiemDelivery } from './delivery.ts';
import { registerSiemMetrics } from './siem.metrics.ts';
import { sinkStatuses, summarize } from './status.ts';
import { SinkError, type SiemSink } from './siem.types.ts';

export interface SecretSource {
  resolve(orgId: string, ref: string): Promise<{ value: string } | undefined>;
}

/**
 * The SIEM module, wired from `siem:` in the config. Sinks in the config belong to the
 * installation: they get every org's events, and their credentials resolve in the default
 * org (like servers' secrets). Resolved values are registered for redaction, so they never
 * reach a log line.
 */
export function wireSiem(deps: { config: SiemConfig | undefined; store: Store; secrets: SecretSource; redactValue?: (name: string, value: string) => void; configOrgId: string; baseDir: string; logger?: Logger; registry?: Registry; env?: NodeJS.ProcessEnv }) {
  const config = deps.config ?? SiemConfigSchema.parse({});
  const env = deps.env ?? process.env;
  async function secret(ref: SecretRef, what: string): Promise<string> {
    const name = secretRefName(ref);
    let value: string | undefined;
    if (typeof ref === 'string') {
      try {
        value = (await deps.secrets.resolve(deps.configOrgId, name))?.value;
      } catch {
        // A backend that is down (Vault) is worth retrying soon, unlike a secret that is not set.
        throw new SinkError(`${what}: secret "${name.slice(0, 200)}" could not be read (its backend did not answer)`);
      }
    } else value = env[ref.env];
    if (!value) throw new SinkError(`${what} refers to ${typeof ref === 'string' ? `secret "${name.slice(0, 200)}"` : `environment variable ${ref.env}`}, which is not set`, false);
    if (value.length >= 4) deps.redactValue?.(name, value);
    return value;
  }
  const sinks: SiemSink[] = config.sinks.map((c) => sinkFromConfig(c, { secret, baseDir: deps.baseDir }));
  const summaries = async () => summarize(sinks, await sinkStatuses(deps.store, sinks));
  const observers = deps.registry ? registerSiemMetrics(deps.registry, summaries) : undefined;
  const delivery = createSiemDelivery({
    store: deps.store,
    sinks,
    pollMs: config.pollInterval,
    backoffMs: config.retryBase,
    maxBackoffMs: config.retryMax,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(observers ?? {}),
  });
  return {
    sinks,
    delivery,
    /** Sinks with one org's delivery state (that org's records only). */
    forOrg: (orgId: string) => sinkStatuses(deps.store, sinks, { orgId }),
    /** Every org, summed per sink: for the installation's views. */
    summaries,
    start: () => {
      if (sinks.length) delivery.start();
    },
    stop: () => delivery.stop(),
  };
}

export type Siem = ReturnType<typeof wireSiem>;
