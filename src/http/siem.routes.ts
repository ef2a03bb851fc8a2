import type { FastifyInstance } from 'fastify';
import type { Siem } from '../siem/wire.ts';
import type { AgentService } from '../identity/agents.service.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';
import { route, who, S } from './identity.kit.ts';

const orgParams = S.obj({ orgId: S.id }, ['orgId']);

/**
 * SIEM delivery status. Sinks in the config file are the installation's: they receive
 * every org's audit events. Each org sees every sink (so its auditors know where its
 * records go) with the delivery state of its own records only; where a sink points (host
 * and path) is shown to the default organization, the installation's administrators.
 */
export function siemRoutes(deps: { siem: Siem; agents: AgentService }) {
  let home: string | undefined;
  return (api: FastifyInstance) => {
    route(api, {
      method: 'GET',
      url: '/v1/orgs/:orgId/siem/sinks',
      auth: { kind: 'org', perm: 'audit.read' },
      tags: ['audit'],
      summary: "SIEM sinks and the delivery of this org's audit events to each: delivered seq, lag, last error and success",
      schema: { params: orgParams },
      async handler(req) {
        const { orgId } = who.actor(req);
        home ??= (await deps.agents.ensureOrg(DEFAULT_ORG)).id;
        const rows = new Map((await deps.siem.forOrg(orgId)).map((r) => [r.sink, r]));
        return {
          scope: 'installation',
          sinks: deps.siem.sinks.map((s) => {
            const r = rows.get(s.id)!;
            return {
              name: s.id,
              type: s.type ?? 'custom',
              ...(orgId === home ? { target: s.target ?? null } : {}),
              acknowledged: s.acknowledged !== false,
              filter: { kinds: s.filter?.kinds ?? null, minSeverity: s.filter?.minSeverity ?? null },
              state: r.state,
              delivered_seq: r.delivered_seq,
              head_seq: r.head_seq,
              lag_events: r.lag_events,
              lag_seconds: r.lag_seconds,
              attempts: r.attempts,
              last_error: r.last_error,
              last_error_at: r.last_error_at,
              last_success_at: r.last_success_at,
              delivered_total: r.delivered_total,
            };
          }),
        };
      },
    });
  };
}
