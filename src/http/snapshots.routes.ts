import type { FastifyInstance } from 'fastify';
import type { SnapshotService } from '../snapshots/snapshots.service.ts';
import { route, who, S } from './identity.kit.ts';

const orgParams = S.obj({ orgId: S.id }, ['orgId']);
const snapParams = S.obj({ orgId: S.id, snapshotId: S.str(70, { pattern: '^snap_[A-Za-z0-9_-]+$' }) }, ['orgId', 'snapshotId']);
const snapId = S.str(70, { pattern: '^snap_[A-Za-z0-9_-]+$' });

/**
 * Context snapshots of an org: list, capture (manual or for an incident), show, diff and
 * restore. Every query names the org; another org's snapshot ids find nothing.
 */
export function snapshotsRoutes(deps: { snapshots: SnapshotService }) {
  const { snapshots } = deps;
  const actorOf = (req: Parameters<typeof who.actor>[0]) => {
    const a = who.actor(req);
    return `${a.kind}:${a.id}`;
  };
  return (api: FastifyInstance) => {
    const tags = ['snapshots'];
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/snapshots', auth: { kind: 'org', perm: 'snapshots.read' }, tags, summary: 'Snapshots of this org, newest first (metadata; page with before=<id>)',
      schema: { params: orgParams, querystring: S.obj({ limit: { type: 'integer', minimum: 1, maximum: 500 }, before: snapId }) },
      async handler(req) {
        const q = req.query as { limit?: number; before?: string };
        return { snapshots: await snapshots.list(who.actor(req).orgId, q.limit ?? 50, q.before) };
      },
    });
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/snapshots', auth: { kind: 'org', perm: 'snapshots.manage' }, tags, summary: 'Capture a snapshot now (reason manual, or incident with the incident reference)',
      schema: { params: orgParams, body: S.obj({ reason: { type: 'string', enum: ['manual', 'incident'] }, ref: S.str(256) }) },
      async handler(req, reply) {
        const b = (req.body ?? {}) as { reason?: 'manual' | 'incident'; ref?: string };
        const meta = await snapshots.capture(who.actor(req).orgId, b.reason ?? 'manual', b.ref ?? null, actorOf(req));
        return reply.status(201).send({ snapshot: meta });
      },
    });
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/snapshots/diff', auth: { kind: 'org', perm: 'snapshots.read' }, tags, summary: 'Structured diff of two snapshots: rules, limits, agents, servers, pinned tools, config',
      schema: { params: orgParams, querystring: S.obj({ from: snapId, to: snapId }, ['from', 'to']) },
      async handler(req) {
        const q = req.query as { from: string; to: string };
        return snapshots.diff(who.actor(req).orgId, q.from, q.to);
      },
    });
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/snapshots/:snapshotId', auth: { kind: 'org', perm: 'snapshots.read' }, tags, summary: 'One snapshot with its content (no tokens or secret values)',
      schema: { params: snapParams },
      async handler(req) {
        return { snapshot: await snapshots.get(who.actor(req).orgId, (req.params as { snapshotId: string }).snapshotId) };
      },
    });
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/snapshots/:snapshotId/restore', auth: { kind: 'org', perm: 'snapshots.manage' }, tags, summary: "Make the snapshot's policies and rules active again, as a new policy version (default org only)",
      schema: { params: snapParams },
      async handler(req) {
        return snapshots.restore(who.actor(req).orgId, (req.params as { snapshotId: string }).snapshotId, actorOf(req));
      },
    });
  };
}
