/**
 * Context snapshots: capture (on demand, on a schedule, before every policy change, when
 * an incident is opened), list, show, diff, and restore a snapshot's policies and rules
 * through the policy service (so the restore is a new, audited policy version).
 */
import type { Store } from '../store/store.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { Logger } from '../lib/logger.ts';
import type { PolicyDocument } from '../policy/document.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { randomId, sha256Hex } from '../lib/secure-compare.ts';
import { orgsRepo } from '../identity/agents.repo.ts';
import { captureContent, type CaptureDeps } from './capture.ts';
import { snapshotsRepo } from './snapshots.repo.ts';
import { diffSnapshots, type SnapshotDiff } from './diff.ts';
import { SNAPSHOT_REASONS, type Snapshot, type SnapshotMeta, type SnapshotReason } from './snapshots.types.ts';
import { startSchedule } from '../compliance/schedule.ts';
import { scheduleRepo } from '../compliance/schedule.repo.ts';

export interface SnapshotServiceDeps extends CaptureDeps {
  store: Store;
  audit: AuditWriter;
  /** The policy service's apply (validates, stores a new version unless identical, activates). */
  applyPolicy: (doc: PolicyDocument, actor: string) => Promise<{ version: number }>;
  /** The org whose admins may change the installation-wide policy set (the default org). */
  policyHome: () => Promise<string>;
  logger?: Logger;
}

const MAX_REF = 256;
/** Names this process in scheduled_runs. */
const INSTANCE = `${process.pid}-${randomId()}`;
const ID = /^snap_[A-Za-z0-9_-]{1,60}$/;

function checkId(id: string): string {
  if (!ID.test(id)) throw new FlowLinkError('invalid_params', `"${id.slice(0, 70)}" is not a snapshot id (snap_…)`);
  return id;
}

export function createSnapshotService(deps: SnapshotServiceDeps) {
  const { store } = deps;

  async function get(orgId: string, id: string): Promise<Snapshot> {
    const s = await snapshotsRepo.get(store, orgId, checkId(id));
    if (!s) throw new FlowLinkError('not_found', `snapshot ${id} does not exist in this organization`);
    return s;
  }

  async function capture(orgId: string, reason: SnapshotReason, ref: string | null = null, actor = 'system'): Promise<SnapshotMeta> {
    if (!SNAPSHOT_REASONS.includes(reason)) throw new FlowLinkError('invalid_params', `reason must be one of ${SNAPSHOT_REASONS.join(', ')}`);
    if (ref !== null && ref.length > MAX_REF) throw new FlowLinkError('invalid_params', `ref is longer than ${MAX_REF} characters`);
    const content = await captureContent(deps, orgId);
    const hash = sha256Hex(canonicalJson(content));
    const row = await snapshotsRepo.insert(store, {
      id: `snap_${randomId()}`,
      org_id: orgId,
      reason,
      ref,
      actor: actor.slice(0, 200),
      created_at: '',
      content_sha256: hash,
      policy_version: content.policy.version,
      audit_seq: content.audit.head?.seq ?? null,
      content,
    });
    await deps.audit.append({
      orgId,
      kind: 'snapshot.captured',
      actor: actor.startsWith('user:') ? { type: 'user', id: actor.slice(5) } : { type: 'system', id: actor.slice(0, 128) },
      outcome: 'success',
      data: { snapshot_id: row.id, reason, ref, content_sha256: hash, policy_version: row.policy_version, audit_seq: row.audit_seq },
    });
    return row;
  }

  return {
    capture,
    get,
    /** Newest first; `before` pages on from a snapshot id. */
    list: (orgId: string, limit = 50, before?: string) => snapshotsRepo.list(store, orgId, Math.min(Math.max(1, limit), 500), before ? checkId(before) : undefined),
    async diff(orgId: string, fromId: string, toId: string): Promise<SnapshotDiff> {
      const [a, b] = await Promise.all([get(orgId, fromId), get(orgId, toId)]);
      return diffSnapshots(a, b);
    },
    /**
     * Makes the snapshot's policies and rules the active set again, as a new version (the
     * policy set is installation-wide: only the default org may). Identical to the active
     * set: nothing changes, and that is recorded too.
     */
    async restore(orgId: string, id: string, actor: string): Promise<{ snapshot: string; from_version: number; to_version: number; changed: boolean }> {
      const s = await get(orgId, id);
      if (orgId !== (await deps.policyHome())) throw new FlowLinkError('forbidden', 'policies apply to the whole installation; restore them from the default organization');
      const from = deps.policy().version;
      const r = await deps.applyPolicy(s.content.policy.document, actor);
      const out = { snapshot: s.id, from_version: from, to_version: r.version, changed: r.version !== from };
      await deps.audit.append({
        orgId,
        kind: 'snapshot.restored',
        actor: actor.startsWith('user:') ? { type: 'user', id: actor.slice(5) } : { type: 'system', id: actor.slice(0, 128) },
        outcome: 'success',
        data: { snapshot_id: s.id, content_sha256: s.content_sha256, from_version: from, to_version: r.version, changed: out.changed },
      });
      return out;
    },
    /** Scheduled snapshots of the named orgs. */
    schedule(spec: string | undefined, orgNames: readonly string[]) {
      if (!spec) return undefined;
      return startSchedule(
        spec,
        async () => {
          for (const name of orgNames) {
            const org = await orgsRepo.byName(store, name);
            if (org) await capture(org.id, 'schedule', spec, 'system:snapshot-schedule');
          }
        },
        { onError: (err) => deps.logger?.error({ err: (err as Error).message }, 'scheduled snapshot failed'), claim: (slot) => scheduleRepo.claim(store, 'snapshots', slot, INSTANCE) },
      );
    },
  };
}

export type SnapshotService = ReturnType<typeof createSnapshotService>;
