import type { FastifyInstance } from 'fastify';
import type { AgentService } from '../identity/agents.service.ts';
import type { AgentRow, AgentTokenRow } from '../identity/agents.repo.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { parseScopes } from '../identity/scopes.ts';
import { route, who, S } from './identity.kit.ts';

const orgParams = S.obj({ orgId: S.id }, ['orgId']);
const agentParams = S.obj({ orgId: S.id, agentId: S.id }, ['orgId', 'agentId']);
const glob = S.str(128);
const scopes = S.obj({ servers: { type: 'array', maxItems: 100, items: glob }, tools: { type: 'array', maxItems: 100, items: glob } });
const MAX_TTL_DAYS = 366;

function agentView(a: AgentRow) {
  return { id: a.id, name: a.name, labels: a.labels, scopes: a.scopes, createdAt: a.created_at, lastSeenAt: a.last_seen_at, revoked: a.revoked_at !== null };
}

function tokenView(t: AgentTokenRow) {
  return { id: t.id, prefix: t.prefix, createdAt: t.created_at, expiresAt: t.expires_at, revoked: t.revoked_at !== null };
}

const days = (d: number | undefined) => (d ? new Date(Date.now() + d * 86_400_000) : undefined);

/** Agents of an organization and their tokens (reusing the agents service the gateway authenticates with). */
export function registerAgentRoutes(api: FastifyInstance, deps: { agents: AgentService }) {
  const { agents } = deps;
  const tags = ['agents'];

  async function load(orgId: string, agentId: string): Promise<AgentRow> {
    const a = await agents.byId(orgId, agentId);
    if (!a) throw new FlowLinkError('not_found', 'no such agent');
    return a;
  }

  route(api, {
    method: 'GET', url: '/v1/orgs/:orgId/agents', auth: { kind: 'org', perm: 'agents.read' }, tags, summary: 'Agents',
    schema: { params: orgParams },
    async handler(req) {
      return { agents: (await agents.list(who.actor(req).orgId)).map(agentView) };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/orgs/:orgId/agents', auth: { kind: 'org', perm: 'agents.manage' }, tags, summary: 'Create an agent; its token is shown once',
    schema: {
      params: orgParams,
      body: S.obj({ name: S.str(63), labels: { type: 'object', maxProperties: 50, additionalProperties: S.str(200) }, scopes, expiresInDays: { type: 'integer', minimum: 1, maximum: MAX_TTL_DAYS } }, ['name']),
    },
    async handler(req, reply) {
      const b = req.body as { name: string; labels?: Record<string, string>; scopes?: unknown; expiresInDays?: number };
      const parsed = parseScopes(b.scopes);
      if (!parsed.ok) throw parsed.error;
      const expiresAt = days(b.expiresInDays);
      const { agent, token } = await agents.create(who.actor(req).orgId, b.name, { labels: b.labels ?? {}, scopes: parsed.value, ...(expiresAt ? { expiresAt } : {}) });
      return reply.status(201).send({ agent: agentView(agent), token });
    },
  });

  route(api, {
    method: 'GET', url: '/v1/orgs/:orgId/agents/:agentId', auth: { kind: 'org', perm: 'agents.read' }, tags, summary: 'An agent and its tokens (prefixes only)',
    schema: { params: agentParams },
    async handler(req) {
      const { orgId } = who.actor(req);
      const a = await load(orgId, (req.params as { agentId: string }).agentId);
      return { agent: agentView(a), tokens: (await agents.tokens(orgId, a.id)).map(tokenView) };
    },
  });

  route(api, {
    method: 'PATCH', url: '/v1/orgs/:orgId/agents/:agentId', auth: { kind: 'org', perm: 'agents.manage' }, tags, summary: "Change an agent's scopes (servers and tools it may reach)",
    schema: { params: agentParams, body: S.obj({ scopes }, ['scopes']) },
    async handler(req) {
      const a = await agents.setScopes(who.actor(req).orgId, (req.params as { agentId: string }).agentId, (req.body as { scopes: unknown }).scopes);
      return { agent: agentView(a) };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/orgs/:orgId/agents/:agentId/rotate', auth: { kind: 'org', perm: 'agents.manage' }, tags, summary: 'Issue a new token; the old ones keep working for overlapSeconds (default 0)',
    schema: { params: agentParams, body: S.obj({ overlapSeconds: { type: 'integer', minimum: 0, maximum: 7 * 86_400 }, expiresInDays: { type: 'integer', minimum: 1, maximum: MAX_TTL_DAYS } }) },
    async handler(req) {
      const b = (req.body ?? {}) as { overlapSeconds?: number; expiresInDays?: number };
      const expiresAt = days(b.expiresInDays);
      const { agent, token } = await agents.rotate(who.actor(req).orgId, (req.params as { agentId: string }).agentId, { overlapMs: (b.overlapSeconds ?? 0) * 1000, ...(expiresAt ? { expiresAt } : {}) });
      return { agent: agentView(agent), token };
    },
  });

  route(api, {
    method: 'DELETE', url: '/v1/orgs/:orgId/agents/:agentId', auth: { kind: 'org', perm: 'agents.manage' }, tags, summary: 'Revoke an agent and all its tokens (open sessions included)',
    schema: { params: agentParams },
    async handler(req, reply) {
      await agents.revokeById(who.actor(req).orgId, (req.params as { agentId: string }).agentId);
      return reply.status(204).send();
    },
  });
}
