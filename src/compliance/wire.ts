/**
 * Wires compliance reports and context snapshots into a FlowLink instance: the services,
 * their REST routes, the schedules, and the snapshot taken before every policy change.
 */
import type { Store } from '../store/store.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { PolicyService } from '../policy/policy.service.ts';
import { createComplianceService } from './compliance.service.ts';
import type { FactsProviders } from './facts.types.ts';
import { retentionProvider, siemFromConfig, siemProvider } from './providers.ts';
import type { SinkOrgStatus } from '../siem/status.ts';
import { createChromiumPdf, type PdfEngine } from './render/pdf.ts';
import { createSnapshotService } from '../snapshots/snapshots.service.ts';
import { complianceRoutes } from '../http/compliance.routes.ts';
import { snapshotsRoutes } from '../http/snapshots.routes.ts';

export interface ComplianceDeps {
  store: Store;
  config: Config;
  baseDir: string;
  policy: PolicyService;
  audit: AuditWriter;
  logger?: Logger;
  /** The org that holds the installation's policy set; without it no snapshot precedes a policy change. */
  homeOrgId: string | undefined;
  siemStatus?: (orgId: string) => Promise<SinkOrgStatus[]>;
  providers?: Partial<FactsProviders>;
  pdf?: PdfEngine;
}

/**
 * The compliance and snapshot services and the snapshot taken before every policy change,
 * without routes or schedules: a running FlowLink (wireCompliance) and the `report` and
 * `snapshot` commands build them the same way.
 */
export function createComplianceServices(deps: ComplianceDeps) {
  const { store, config, policy, audit, logger } = deps;
  const view = () => {
    const a = policy.current();
    return { version: a.version, checksum: a.checksum, document: a.document };
  };
  const compliance = createComplianceService({ facts: { store, config, baseDir: deps.baseDir, policy: view, providers: { retention: retentionProvider(store), siem: deps.siemStatus ? siemProvider(deps.siemStatus) : siemFromConfig(store, config.siem?.sinks ?? []), ...deps.providers } }, pdf: deps.pdf ?? createChromiumPdf(), audit, ...(logger ? { logger } : {}) });
  const snapshots = createSnapshotService({ store, config, policy: view, audit, ...(logger ? { logger } : {}), applyPolicy: (doc, actor) => policy.apply(doc, actor), policyHome: async () => deps.homeOrgId ?? '' });
  // The policy set is installation-wide and lives in the default org: its state before each change is kept.
  const home = deps.homeOrgId;
  const unhook = !home || config.snapshots?.beforePolicyChange === false ? () => true : policy.onBeforeChange(async (c) => void (await snapshots.capture(home, 'policy-change', `before v${c.current.version} (${c.source})`, c.actor)));
  return { compliance, snapshots, unhook };
}

export function wireCompliance(deps: ComplianceDeps & { homeOrgId: string; logger: Logger }) {
  const { config } = deps;
  const { compliance, snapshots, unhook } = createComplianceServices(deps);
  const jobs = [compliance.schedule(config.compliance, deps.baseDir), snapshots.schedule(config.snapshots?.schedule, config.snapshots?.orgs ?? ['default'])];
  return {
    compliance,
    snapshots,
    routes: [complianceRoutes({ compliance }), snapshotsRoutes({ snapshots })],
    async stop() {
      unhook();
      for (const j of jobs) await j?.stop();
    },
  };
}
