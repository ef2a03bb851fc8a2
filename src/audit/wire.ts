import type { Registry as MetricsRegistry } from 'prom-client';
import type { Store } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import { createAuditWriter } from './audit.writer.ts';
import { createAuditKeys, SIGNING_KEY_ENV } from './keys.ts';
import { createCheckpointer } from './checkpointer.ts';
import { createLiveFeed } from './live.ts';
import { ALERT_SECRET_ENV, ALERT_URL_ENV, createAuditAlerts, createWebhookAlertSink, outageMetrics, type AlertSink } from './alert.ts';
import { createRetentionService } from './retention.service.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';
import { orgsRepo } from '../identity/agents.repo.ts';
import { auditRoutes, type AuditRoutesDeps } from '../http/audit.routes.ts';

/**
 * Builds the audit module: the group-commit writer with its observers (the live activity
 * feed after each commit, the outage alert after each write), the signing keys and the
 * background checkpointer, retention with two-person purges, and the REST routes.
 * The composition root calls start() once the store is migrated and stop() on shutdown
 * (after the writer is closed).
 */
export function wireAudit(opts: {
  store: Store;
  logger: Logger;
  metrics: { registry: MetricsRegistry; auditHealth(healthy: boolean): void };
  dataDir?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Extra outage alert destinations (besides FLOWLINK_AUDIT_ALERT_URL). */
  alertSinks?: AlertSink[];
}) {
  const { store, logger, env } = opts;
  const keys = createAuditKeys({ store, dir: opts.dataDir, envKey: env[SIGNING_KEY_ENV] || undefined });
  const live = createLiveFeed({ store, logger });
  const url = env[ALERT_URL_ENV];
  const sinks = [...(url ? [createWebhookAlertSink({ url, secret: env[ALERT_SECRET_ENV] || undefined })] : []), ...(opts.alertSinks ?? [])];
  const alerts = createAuditAlerts({
    logger,
    sinks,
    instance: live.instanceId,
    onOutage: outageMetrics(opts.metrics.registry),
    recordRecovery: async (a) => {
      await writer.append({ orgId: await defaultOrgId(), kind: 'audit.outage.ended', actor: { type: 'system', id: null }, outcome: 'success', data: { started_at: a.started_at, ended_at: a.ended_at ?? '', failed_writes: a.failed_writes, error: a.error } });
    },
  });
  const writer = createAuditWriter({ store, onHealthChange: (h) => opts.metrics.auditHealth(h), onCommitted: (b) => live.published(b), onWriteResult: (ok, err) => alerts.writeResult(ok, err) });
  // Signed checkpoints make truncation of the log's tail detectable (docs/audit.md).
  const checkpointer = createCheckpointer({ store, keys, logger });
  const retention = createRetentionService({ store, audit: writer, keys });

  // The installation's outage is recorded in the default org's log (the org that owns installation-wide events).
  async function defaultOrgId(): Promise<string> {
    const org = await orgsRepo.byName(store, DEFAULT_ORG);
    if (!org) throw new Error('no default org to record the audit outage in');
    return org.id;
  }

  return {
    writer,
    keys,
    live,
    alerts,
    checkpointer,
    retention,
    routes(d: Pick<AuditRoutesDeps, 'upstreams' | 'pendingApprovals' | 'identity'>) {
      return auditRoutes({ store, audit: writer, live, retention, keys, ...d });
    },
    async start(): Promise<void> {
      checkpointer.start();
      await live.start();
    },
    async stop(): Promise<void> {
      await live.stop();
      await checkpointer.stop();
      await alerts.flush();
    },
  };
}

export type AuditModule = ReturnType<typeof wireAudit>;
