import type { FastifyInstance } from 'fastify';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { Registry } from '../gateway/registry.ts';
import type { AgentService } from '../identity/agents.service.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';
import type { PolicyService } from '../policy/policy.service.ts';
import { toolVisibility } from '../policy/visibility.ts';
import { scopeAllows } from '../identity/scopes.ts';
import type { Shield, ToolDefinition } from '../shield/index.ts';
import type { PinService } from '../shield/pins.service.ts';
import type { PinRow } from '../shield/pins.repo.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { auditActor } from './shield.routes.ts';
import { route, who, S } from './identity.kit.ts';

const orgParams = S.obj({ orgId: S.id }, ['orgId']);
const serverParams = S.obj({ orgId: S.id, server: { type: 'string', maxLength: 63, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' } }, ['orgId', 'server']);

const pinState = (p: PinRow | undefined, liveHash: string | undefined) =>
  p
    ? { status: p.status, hash: p.hash, pendingHash: p.pending_hash, reviewHash: p.status === 'approved' ? null : (p.pending_hash ?? p.hash), changed: liveHash !== undefined && liveHash !== p.hash && liveHash !== p.pending_hash }
    : null;

/**
 * Upstream servers for the console. Servers come from the config and belong to the
 * installation: every org sees their status, but tools only with that org's pins and
 * how many of its agents policy and scopes let see each tool. Restarting affects every
 * org, so it is reserved to owners and admins of the default organization.
 */
export function serversRoutes(deps: { registry: Registry; agents: AgentService; policy: PolicyService; audit: AuditWriter; pins: PinService | undefined; shield: Shield | undefined }) {
  const { registry } = deps;
  let home: string | undefined;

  function statusOf(name: string) {
    const s = registry.status().find((x) => x.name === name);
    if (!s) throw new FlowLinkError('not_found', `no server named "${name}" is configured`);
    return s;
  }

  return (api: FastifyInstance) => {
    const tags = ['servers'];

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/servers', auth: { kind: 'org', perm: 'servers.read' }, tags, summary: "Upstream servers: status, labels, and this org's pin counts",
      schema: { params: orgParams },
      async handler(req) {
        const rows = deps.pins ? await deps.pins.list(who.actor(req).orgId) : [];
        return {
          servers: registry.status().map((s) => {
            const mine = rows.filter((r) => r.server === s.name);
            return { ...s, lastError: s.lastError ?? null, serverInfo: s.serverInfo ?? null, pins: { approved: mine.filter((r) => r.status === 'approved').length, quarantined: mine.filter((r) => r.status === 'quarantined').length, rejected: mine.filter((r) => r.status === 'rejected').length } };
          }),
        };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/servers/:server', auth: { kind: 'org', perm: 'servers.read' }, tags, summary: "One server's status and tools, each with this org's pin and how many of its agents may see it",
      schema: { params: serverParams },
      async handler(req) {
        const { orgId } = who.actor(req);
        const name = (req.params as { server: string }).server;
        const status = statusOf(name);
        const pins = new Map((deps.pins ? await deps.pins.list(orgId) : []).filter((r) => r.server === name).map((r) => [r.tool, r]));
        // Shared servers are asked now; per-session ones would need a process per ask, so they show what this org pinned.
        let live: Record<string, unknown>[] | undefined;
        let toolsError: string | null = null;
        try {
          live = await registry.listTools(name);
        } catch (e) {
          toolsError = e instanceof FlowLinkError ? e.message : 'the server could not be asked for its tools';
        }
        const defs: ToolDefinition[] = live ? (live.filter((t) => typeof t.name === 'string') as unknown as ToolDefinition[]) : [...pins.values()].map((p) => p.pending_definition ?? p.definition);
        const agents = (await deps.agents.list(orgId)).filter((a) => !a.revoked_at);
        const compiled = deps.policy.current().compiled;
        const visibleTo = new Map<string, number>();
        for (const a of agents) {
          const vis = toolVisibility(compiled, { org: orgId, agent: a.name, agentLabels: a.labels, server: name, serverLabels: status.labels, tools: defs.map((d) => d.name) });
          for (const v of vis) if (v.visible && (!a.scopes || scopeAllows(a.scopes, name, v.tool))) visibleTo.set(v.tool, (visibleTo.get(v.tool) ?? 0) + 1);
        }
        const tools = defs.map((d) => {
          const scan = deps.shield?.scanToolDefinition(name, d);
          return {
            name: d.name,
            title: d.title ?? null,
            description: d.description ?? null,
            inputSchema: d.inputSchema ?? null,
            pin: pinState(pins.get(d.name), live ? scan?.hash : undefined),
            findings: scan?.findings ?? [],
            agents: { visibleTo: visibleTo.get(d.name) ?? 0, of: agents.length },
          };
        });
        return { server: { ...status, lastError: status.lastError ?? null, serverInfo: status.serverInfo ?? null }, toolsSource: live ? 'live' : 'pins', toolsError, tools };
      },
    });

    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/servers/:server/restart', auth: { kind: 'org', perm: 'servers.manage' }, tags, summary: 'Restart a shared upstream server (default organization only: it serves every org)',
      schema: { params: serverParams },
      async handler(req) {
        const { orgId } = who.actor(req);
        home ??= (await deps.agents.ensureOrg(DEFAULT_ORG)).id;
        if (orgId !== home) throw new FlowLinkError('forbidden', 'upstream servers serve the whole installation; restart them from the default organization');
        const name = (req.params as { server: string }).server;
        const status = statusOf(name);
        if (status.mode !== 'shared') throw new FlowLinkError('conflict', `server "${name}" runs one process per agent session; it restarts with its sessions`);
        await registry.restart(name);
        // Start it now, so the answer shows whether it came back (ready, or backoff with its error).
        await registry.listTools(name).catch(() => undefined);
        await deps.audit.append({ orgId, kind: 'server.restarted', actor: auditActor(req), outcome: 'success', data: { server: name } });
        return { server: { ...statusOf(name), lastError: null } };
      },
    });
  };
}
