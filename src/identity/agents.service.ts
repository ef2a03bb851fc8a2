import type { Store } from '../store/store.ts';
import { agentsRepo, orgsRepo, type AgentRow, type OrgRow } from './agents.repo.ts';
import { randomId, randomToken, sha256Hex } from '../lib/secure-compare.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { ALL_SCOPES, parseScopes, type AgentScopes } from './scopes.ts';

/** Who is calling: the identity every pipeline stage and audit record refers to. */
export interface AgentIdentity {
  orgId: string;
  agentId: string;
  agentName: string;
  labels: Record<string, string>;
  /** Servers and tools this agent may reach (see scopes.ts, `scopeAllows`). Always set by this service. */
  scopes?: AgentScopes;
}

const INVALIDATE_CHANNEL = 'flowlink_agent_tokens';
/** Valid tokens are cached briefly; revocations reach every instance at once through NOTIFY. */
const CACHE_TTL_MS = 30_000;
/** An agent's "last seen" is written at most this often (per instance; the SQL also skips fresh rows). */
const SEEN_EVERY_MS = 60_000;
const AGENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;

export const DEFAULT_ORG = 'default';

export function createAgentService(deps: { store: Store; clock?: () => number }) {
  const { store } = deps;
  const now = deps.clock ?? Date.now;
  const cache = new Map<string, { identity: AgentIdentity; until: number }>();
  const seenAt = new Map<string, number>();
  let unlisten: (() => Promise<void>) | undefined;

  async function ensureOrg(name = DEFAULT_ORG): Promise<OrgRow> {
    return (await orgsRepo.byName(store, name)) ?? orgsRepo.insert(store, `org_${randomId()}`, name);
  }

  /** Records that an agent authenticated; off the request path, since a lost write only makes "last seen" older. */
  function seen(identity: AgentIdentity): AgentIdentity {
    const t = now();
    if (t - (seenAt.get(identity.agentId) ?? -Infinity) < SEEN_EVERY_MS) return identity;
    if (seenAt.size >= 10_000) seenAt.clear();
    seenAt.set(identity.agentId, t);
    agentsRepo.touch(store, identity.orgId, [identity.agentId]).catch(() => seenAt.delete(identity.agentId));
    return identity;
  }

  return {
    ensureOrg,

    /** Starts listening for revocations from other instances. */
    async start(): Promise<void> {
      unlisten = await store.listen(INVALIDATE_CHANNEL, () => cache.clear());
    },
    async stop(): Promise<void> {
      await unlisten?.();
    },

    /** Creates an agent and its first token. The token is returned once and stored only as a hash. */
    async create(orgId: string, name: string, opts: { labels?: Record<string, string>; expiresAt?: Date; scopes?: AgentScopes } = {}): Promise<{ agent: AgentRow; token: string }> {
      if (!AGENT_NAME.test(name)) throw new FlowLinkError('invalid_params', `agent name "${name}" is not valid: use letters, digits, ".", "-" and "_" (max 63)`);
      if (await agentsRepo.byName(store, orgId, name)) throw new FlowLinkError('conflict', `an agent named "${name}" already exists`);
      const token = randomToken('fl_agent');
      const agent = await store.tx(async (q) => {
        let a = await agentsRepo.insert(q, { id: `agt_${randomId()}`, orgId, name, labels: opts.labels ?? {} });
        if (opts.scopes) {
          await agentsRepo.setScopes(q, orgId, a.id, opts.scopes);
          a = { ...a, scopes: opts.scopes };
        }
        await agentsRepo.insertTokenWithId(q, { id: `tok_${randomId()}`, hash: sha256Hex(token), agentId: a.id, orgId, prefix: token.slice(0, 12), expiresAt: opts.expiresAt ?? null });
        return a;
      });
      return { agent, token };
    },

    byId: (orgId: string, id: string) => agentsRepo.byId(store, orgId, id),
    tokens: (orgId: string, agentId: string) => agentsRepo.tokens(store, orgId, agentId),

    /**
     * Issues a new token for an agent of `orgId`. The agent's other live tokens keep
     * working for `overlapMs` (0: they stop now), so a deployment can switch without a gap.
     */
    async rotate(orgId: string, agentId: string, opts: { overlapMs?: number; expiresAt?: Date } = {}): Promise<{ agent: AgentRow; token: string }> {
      const token = randomToken('fl_agent');
      const agent = await store.tx(async (q) => {
        const a = await agentsRepo.byId(q, orgId, agentId);
        if (!a || a.revoked_at) throw new FlowLinkError('not_found', 'no such active agent');
        await agentsRepo.expireLiveTokens(q, orgId, agentId, new Date(now() + Math.max(0, opts.overlapMs ?? 0)));
        await agentsRepo.insertTokenWithId(q, { id: `tok_${randomId()}`, hash: sha256Hex(token), agentId, orgId, prefix: token.slice(0, 12), expiresAt: opts.expiresAt ?? null });
        return a;
      });
      cache.clear();
      await store.notify(INVALIDATE_CHANNEL, agentId);
      return { agent, token };
    },

    async setScopes(orgId: string, agentId: string, raw: unknown): Promise<AgentRow> {
      const parsed = parseScopes(raw);
      if (!parsed.ok) throw parsed.error;
      const a = await agentsRepo.byId(store, orgId, agentId);
      if (!a) throw new FlowLinkError('not_found', 'no such agent');
      await agentsRepo.setScopes(store, orgId, agentId, parsed.value);
      cache.clear();
      await store.notify(INVALIDATE_CHANNEL, agentId);
      return { ...a, scopes: parsed.value };
    },

    async revokeById(orgId: string, agentId: string): Promise<AgentRow> {
      const agent = await agentsRepo.byId(store, orgId, agentId);
      if (!agent) throw new FlowLinkError('not_found', 'no such agent');
      await agentsRepo.revoke(store, orgId, agent.id);
      cache.clear();
      await store.notify(INVALIDATE_CHANNEL, agent.id);
      return agent;
    },

    list: (orgId: string) => agentsRepo.list(store, orgId),

    async revoke(orgId: string, name: string): Promise<AgentRow> {
      const agent = await agentsRepo.byName(store, orgId, name);
      if (!agent) throw new FlowLinkError('not_found', `no agent named "${name}"`);
      await agentsRepo.revoke(store, orgId, agent.id);
      cache.clear();
      await store.notify(INVALIDATE_CHANNEL, agent.id);
      return agent;
    },

    /**
     * Resolves a bearer token to an agent. Lookup is by the token's SHA-256, so the
     * database compares digests, never the secret; a miss costs the same as a hit.
     */
    async authenticate(token: string): Promise<AgentIdentity | undefined> {
      const hash = sha256Hex(token);
      const hit = cache.get(hash);
      if (hit && hit.until > now()) return seen(hit.identity);
      const row = await agentsRepo.byTokenHash(store, hash);
      if (!row) {
        cache.delete(hash);
        return undefined;
      }
      const identity: AgentIdentity = { orgId: row.org_id, agentId: row.agent_id, agentName: row.name, labels: row.labels, scopes: row.scopes ?? ALL_SCOPES };
      const until = Math.min(now() + CACHE_TTL_MS, row.expires_at ? row.expires_at.getTime() : Infinity);
      cache.set(hash, { identity, until });
      return seen(identity);
    },

    /** True while the token behind this hash is valid (cached; revocations clear the cache at once). */
    async isLive(tokenHash: string): Promise<boolean> {
      const hit = cache.get(tokenHash);
      if (hit && hit.until > now()) return true;
      return (await agentsRepo.byTokenHash(store, tokenHash)) !== undefined;
    },

    /** Finds or creates the configured anonymous identity (used only when enabled in config). */
    async anonymous(orgId: string, name: string): Promise<AgentIdentity> {
      const a = (await agentsRepo.byName(store, orgId, name)) ?? (await agentsRepo.insert(store, { id: `agt_${randomId()}`, orgId, name, labels: { anonymous: 'true' } }));
      if (a.revoked_at) throw new FlowLinkError('unauthorized', `the anonymous agent "${name}" is revoked`);
      return { orgId, agentId: a.id, agentName: a.name, labels: a.labels, scopes: a.scopes ?? ALL_SCOPES };
    },
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
