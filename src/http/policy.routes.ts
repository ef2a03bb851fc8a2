import type { FastifyInstance } from 'fastify';
import type { PolicyService } from '../policy/policy.service.ts';
import type { AgentService } from '../identity/agents.service.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';
import { validateDocument } from '../policy/document.ts';
import { compilePolicy } from '../policy/compile.ts';
import { simulate, toRecordedCall } from '../policy/simulate.ts';
import { policyRepo } from '../policy/policy.repo.ts';
import type { Store } from '../store/store.ts';
import type { Thresholds } from '../shield/types.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { parseDuration } from '../config/schema.ts';
import { route, who, S } from './identity.kit.ts';

const orgParams = S.obj({ orgId: S.id }, ['orgId']);
const MAX_SIMULATED = 50_000;

/**
 * The policy set through the API (the console uses these). The set is installation-wide,
 * so changing it is reserved to owners and admins of the default organization; every org
 * may read it and simulate a candidate against its own recorded calls only.
 */
export function policyRoutes(deps: { policy: PolicyService; agents: AgentService; store: Store; labels: (server: string) => Record<string, string> | undefined; thresholds?: Thresholds | undefined }) {
  const { policy } = deps;
  let home: string | undefined;
  async function requireHome(orgId: string) {
    home ??= (await deps.agents.ensureOrg(DEFAULT_ORG)).id;
    if (orgId !== home) throw new FlowLinkError('forbidden', 'policies apply to the whole installation; change them from the default organization');
  }

  return (api: FastifyInstance) => {
    const tags = ['policies'];
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/policies', auth: { kind: 'org', perm: 'policies.read' }, tags, summary: 'The active policy set, its version, and the last rejected change',
      schema: { params: orgParams },
      async handler() {
        const a = policy.current();
        return { version: a.version, source: a.source, document: a.document, lastError: policy.status().lastError ?? null };
      },
    });
    route(api, {
      method: 'PUT', url: '/v1/orgs/:orgId/policies', auth: { kind: 'org', perm: 'policies.manage' }, tags, summary: 'Replace the policy set (validated whole; applies to new calls at once)',
      schema: { params: orgParams, body: { type: 'object' } },
      async handler(req) {
        const actor = who.actor(req);
        await requireHome(actor.orgId);
        const a = await policy.apply(req.body, `${actor.kind}:${actor.id}`);
        return { version: a.version };
      },
    });
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/policies/versions', auth: { kind: 'org', perm: 'policies.read' }, tags, summary: 'Every version: who, when, source and diff',
      schema: { params: orgParams },
      async handler() {
        return { versions: await policy.versions() };
      },
    });
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/policies/rollback', auth: { kind: 'org', perm: 'policies.manage' }, tags, summary: 'Make an earlier version active again (as a new version)',
      schema: { params: orgParams, body: S.obj({ version: { type: 'integer', minimum: 1 } }, ['version']) },
      async handler(req) {
        const actor = who.actor(req);
        await requireHome(actor.orgId);
        const a = await policy.rollback((req.body as { version: number }).version, `${actor.kind}:${actor.id}`);
        return { version: a.version };
      },
    });
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/policies/simulate', auth: { kind: 'org', perm: 'policies.read' }, tags, summary: "Replay this org's recorded calls against a candidate set: newly blocked, newly allowed, needs approval",
      schema: { params: orgParams, body: S.obj({ document: { type: 'object' }, since: S.str(16) }, ['document']) },
      async handler(req) {
        const { orgId } = who.actor(req);
        const b = req.body as { document: unknown; since?: string };
        const cand = validateDocument(b.document, 'candidate');
        if (!cand.ok) throw cand.error;
        let sinceMs: number;
        try {
          sinceMs = parseDuration(b.since ?? '7d');
        } catch {
          throw new FlowLinkError('invalid_params', `since "${b.since}" is not a duration such as 24h or 7d`);
        }
        const rows = await policyRepo.recordedCalls(deps.store, { since: new Date(Date.now() - sinceMs), limit: MAX_SIMULATED, orgId });
        const calls = rows.map((r) => toRecordedCall(r, (s) => deps.labels(s)));
        return simulate(compilePolicy(cand.value.policies), policy.current().compiled, calls, deps.thresholds ? { thresholds: deps.thresholds } : {});
      },
    });
  };
}
