/**
 * Collects an org's context for a snapshot through the owning modules' repos, every read
 * filtered by the org. Agents without tokens; servers and config redacted.
 */
import type { Store } from '../store/store.ts';
import type { Config } from '../config/schema.ts';
import { isStdio } from '../config/schema.ts';
import type { PolicyDocument } from '../policy/document.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { orgSettingsRepo } from '../identity/orgs.repo.ts';
import { agentsRepo } from '../identity/agents.repo.ts';
import { pinsRepo } from '../shield/pins.repo.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { checkpointRepo } from '../audit/checkpoint.repo.ts';
import { redactServer, redactValue } from './redact.ts';
import type { SnapshotContent } from './snapshots.types.ts';

export interface CaptureDeps {
  store: Store;
  config: Config;
  policy: () => { version: number; checksum: string; document: PolicyDocument };
}

export async function captureContent(deps: CaptureDeps, orgId: string): Promise<SnapshotContent> {
  const { store, config } = deps;
  const org = await orgSettingsRepo.get(store, orgId);
  if (!org) throw new FlowLinkError('not_found', 'no such organization');
  const [agents, pins, head, cp] = await Promise.all([agentsRepo.list(store, orgId), pinsRepo.list(store, orgId), auditRepo.head(store, orgId), checkpointRepo.latest(store, orgId)]);
  const policy = deps.policy();
  const { servers, ...rest } = config;
  return {
    format: 'flowlink-snapshot',
    version: 1,
    org: { id: org.id, name: org.name },
    policy: { version: policy.version, checksum: policy.checksum, document: policy.document },
    agents: agents.map((a) => ({ id: a.id, name: a.name, labels: a.labels, scopes: a.scopes, revoked: a.revoked_at !== null, created_at: new Date(a.created_at).toISOString() })),
    servers: Object.entries(servers)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, cfg]) => ({
        name,
        transport: isStdio(cfg) ? ('stdio' as const) : ('http' as const),
        config: redactServer(cfg as unknown as Record<string, unknown>),
        tools: pins.filter((p) => p.server === name).map((p) => ({ tool: p.tool, status: p.status, hash: p.hash, pending_hash: p.pending_hash, definition: p.definition })),
      })),
    config: redactValue(rest) as Record<string, unknown>,
    audit: {
      head: head ? { seq: Number(head.seq), hash: head.hash } : null,
      checkpoint: cp ? { seq: Number(cp.seq), hash: cp.hash, ts: new Date(cp.ts).toISOString(), key_id: cp.key_id } : null,
    },
  };
}
