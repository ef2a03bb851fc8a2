/**
 * What the `report` and `snapshot` commands need outside a running gateway: the stored
 * policy set (through a policy service, so a restore is a normal new version), the org
 * named by --org, and the services over the store the config names.
 */
import type { Store } from '../store/store.ts';
import type { Config } from '../config/schema.ts';
import { silentLogger } from '../lib/logger.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { orgsRepo } from '../identity/agents.repo.ts';
import { orgSettingsRepo } from '../identity/orgs.repo.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';
import { createAuditWriter } from '../audit/audit.writer.ts';
import { createPolicyService } from '../policy/policy.service.ts';
import { createComplianceServices } from './wire.ts';

export async function resolveOrg(store: Store, nameOrId: string | undefined): Promise<{ id: string; name: string }> {
  const want = (nameOrId ?? DEFAULT_ORG).slice(0, 128);
  const byName = await orgsRepo.byName(store, want);
  if (byName) return { id: byName.id, name: byName.name };
  const byId = await orgSettingsRepo.get(store, want);
  if (byId) return { id: byId.id, name: byId.name };
  throw new FlowLinkError('not_found', `no org named (or with id) "${want.slice(0, 64)}"`);
}

export async function openServices(store: Store, config: Config, baseDir: string) {
  const audit = createAuditWriter({ store });
  const policy = createPolicyService({ store, logger: silentLogger });
  await policy.start();
  const home = await orgsRepo.byName(store, DEFAULT_ORG);
  const { compliance, snapshots } = createComplianceServices({ store, config, baseDir, policy, audit, homeOrgId: home?.id });
  return {
    compliance,
    snapshots,
    async close() {
      await policy.stop();
      await audit.close();
    },
  };
}
