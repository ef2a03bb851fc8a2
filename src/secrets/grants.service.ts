import type { Store } from '../store/store.ts';
import type { AuditEventInput } from '../audit/audit.writer.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { randomId } from '../lib/secure-compare.ts';
import { compileGrant, grantsAllow, parseGrant, type CompiledGrant, type Grant, type GrantSubject } from './grants.ts';
import { grantsRepo, type GrantRow } from './grants.repo.ts';
import type { Actor } from './secrets.types.ts';

export interface GrantView {
  id: string;
  secret: string;
  agents: string[];
  agentLabels: Record<string, string>;
  servers: string[];
  tools: string[];
  note: string;
  createdAt: string;
  createdBy: string;
  /** 'org': stored for this org (API, CLI); 'config': from the boot config, applies in every org, read-only here. */
  source: 'org' | 'config';
}

const MAX_GRANTS_PER_ORG = 1000;
/** Other instances drop their cached grants of an org at once when it changes here. */
const CHANGED_CHANNEL = 'flowlink_secret_grants';
const MAX_NOTE = 500;

const view = (r: GrantRow): GrantView => ({ id: r.id, secret: r.secret, agents: r.agents, agentLabels: r.agent_labels, servers: r.servers, tools: r.tools, note: r.note, createdAt: new Date(r.created_at).toISOString(), createdBy: r.created_by, source: 'org' });

/**
 * Grants as data: the config's grants (every org) and each org's stored grants, evaluated
 * together. Org grants are cached briefly per org; a change is seen at once on this
 * instance and, through NOTIFY (after `start`), on the others; `cacheMs` bounds it anyway.
 */
export function createGrantService(deps: { store: Store; audit: { append(e: AuditEventInput): Promise<number> }; config: readonly Grant[]; cacheMs?: number; clock?: () => number }) {
  const fromConfig = deps.config.map(compileGrant);
  const clock = deps.clock ?? Date.now;
  const cacheMs = deps.cacheMs ?? 2_000;
  const perOrg = new Map<string, { grants: CompiledGrant[]; until: number }>();
  let unlisten: (() => Promise<void>) | undefined;

  async function changed(orgId: string) {
    perOrg.delete(orgId);
    await deps.store.notify(CHANGED_CHANNEL, orgId);
  }

  async function orgGrants(orgId: string): Promise<CompiledGrant[]> {
    const hit = perOrg.get(orgId);
    if (hit && hit.until > clock()) return hit.grants;
    const grants = (await grantsRepo.list(deps.store, orgId)).map((g) => compileGrant({ secret: g.secret, agents: g.agents, agentLabels: g.agent_labels, servers: g.servers, tools: g.tools }));
    perOrg.set(orgId, { grants, until: clock() + cacheMs });
    return grants;
  }

  const auditData = (g: GrantRow | GrantView) => {
    const labels = 'agent_labels' in g ? g.agent_labels : g.agentLabels;
    return { grant_id: g.id, secret: g.secret, agents: g.agents, servers: g.servers, agent_labels: labels, tools: g.tools };
  };

  return {
    /** May this agent use `secret` on this server and tool (config grants or the org's)? */
    async allows(orgId: string, subject: GrantSubject, secret: string): Promise<boolean> {
      return grantsAllow(fromConfig, subject, secret) || grantsAllow(await orgGrants(orgId), subject, secret);
    },

    async list(orgId: string): Promise<{ grants: GrantView[]; config: GrantView[] }> {
      const rows = await grantsRepo.list(deps.store, orgId);
      const config = deps.config.map((g, i): GrantView => ({ id: `config-${i + 1}`, secret: g.secret, agents: g.agents, agentLabels: g.agentLabels, servers: g.servers, tools: g.tools, note: '', createdAt: '', createdBy: 'config', source: 'config' }));
      return { grants: rows.map(view), config };
    },

    async add(orgId: string, input: unknown, actor: Actor): Promise<GrantView> {
      const body = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
      const note = body.note;
      if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE)) throw new FlowLinkError('invalid_params', `grant note: a text of at most ${MAX_NOTE} characters`);
      const { note: _n, ...rest } = body;
      const g = parseGrant(rest);
      if ((await grantsRepo.count(deps.store, orgId)) >= MAX_GRANTS_PER_ORG) throw new FlowLinkError('conflict', `an organization has at most ${MAX_GRANTS_PER_ORG} secret grants; remove some first`);
      const row = await grantsRepo.insert(deps.store, { id: `sg_${randomId()}`, org_id: orgId, secret: g.secret, agents: g.agents, agent_labels: g.agentLabels, servers: g.servers, tools: g.tools, note: (note as string | undefined) ?? '', created_by: `${actor.type}:${actor.id}` });
      await changed(orgId);
      await deps.audit.append({ orgId, kind: 'secret.grant.added', actor: { type: actor.type, id: actor.id }, outcome: 'success', data: auditData(row) });
      return view(row);
    },

    async remove(orgId: string, id: string, actor: Actor): Promise<GrantView> {
      const row = /^sg_[A-Za-z0-9_-]{1,64}$/.test(id) ? await grantsRepo.remove(deps.store, orgId, id) : undefined;
      if (!row) throw new FlowLinkError('not_found', `no secret grant "${id.slice(0, 80)}" in this organization`);
      await changed(orgId);
      await deps.audit.append({ orgId, kind: 'secret.grant.removed', actor: { type: actor.type, id: actor.id }, outcome: 'success', data: auditData(row) });
      return view(row);
    },

    invalidate(orgId: string) {
      perOrg.delete(orgId);
    },

    async start(): Promise<void> {
      unlisten ??= await deps.store.listen(CHANGED_CHANNEL, (orgId) => perOrg.delete(orgId));
    },
    async stop(): Promise<void> {
      await unlisten?.();
      unlisten = undefined;
    },
  };
}

export type GrantService = ReturnType<typeof createGrantService>;
