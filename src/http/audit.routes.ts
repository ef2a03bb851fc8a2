import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { Store } from '../store/store.ts';
import type { AccountService } from '../identity/accounts.service.ts';
import type { OrgService } from '../identity/orgs.service.ts';
import { can } from '../identity/roles.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { auditRepo, MAX_HISTORY_TEXT, type CallRow, type EventRow, type HistoryFilter } from '../audit/audit.repo.ts';
import { AuditCatalog, isAuditKind, SEVERITY_RANK, type AuditSeverity } from '../audit/catalog.ts';
import { CSV_COLUMNS, csvHeader, csvRow, historyRecord } from '../audit/history.export.ts';
import { statsRepo, BUCKETS } from '../audit/stats.repo.ts';
import { chainStatus, latestExportedCheckpoint, DEFAULT_STATUS_RECORDS, MAX_STATUS_RECORDS } from '../audit/chain-status.ts';
import { checkpointOrg } from '../audit/checkpointer.ts';
import { orgName } from '../audit/checkpoint.repo.ts';
import type { AuditKeys } from '../audit/keys.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { LiveFeed, LiveCall } from '../audit/live.ts';
import type { RetentionActor, RetentionService } from '../audit/retention.service.ts';
import { parseSpan, parseWhen } from '../audit/when.ts';
import { route, who, S, SESSION_COOKIE } from './identity.kit.ts';

export interface AuditRoutesDeps {
  store: Store;
  audit: Pick<AuditWriter, 'append'>;
  live: LiveFeed;
  retention: RetentionService;
  keys: AuditKeys;
  /** Upstream servers' health for the overview (the registry's status). */
  upstreams: () => { name: string; kind: string; mode: string; state: string; restarts: number; inflight: number; connections: number; serverInfo?: { name: string; version: string } | undefined }[];
  /** Approval requests waiting now (undefined when no approval queue is configured). */
  pendingApprovals?: ((orgId: string) => Promise<number>) | undefined;
  /** Sessions and API keys, to re-check a live stream's viewer (filled once the identity API exists). */
  identity: () => { accounts: AccountService; orgs: OrgService } | undefined;
  heartbeatMs?: number;
  recheckMs?: number;
}

const orgParams = S.obj({ orgId: S.id }, ['orgId']);
const SEVERITIES = Object.keys(SEVERITY_RANK);
const MAX_PAGE = 500;
const EXPORT_PAGE = 1000;
const MAX_STREAM_BUFFER = 1 << 20;
const cursor = S.str(20, { pattern: '^[0-9]+$' });
const historyQuery = {
  agent: S.str(256),
  server: S.str(256),
  tool: S.str(256),
  status: { type: 'string', enum: ['ok', 'error', 'denied'] },
  verdict: { type: 'string', enum: ['allow', 'approve', 'block'] },
  minRisk: { type: 'number', minimum: 0, maximum: 100 },
  maxRisk: { type: 'number', minimum: 0, maximum: 100 },
  since: S.str(40),
  until: S.str(40),
  text: S.str(MAX_HISTORY_TEXT),
};

type HistoryQuery = { agent?: string; server?: string; tool?: string; status?: string; verdict?: string; minRisk?: number; maxRisk?: number; since?: string; until?: string; text?: string };

function historyFilter(orgId: string, q: HistoryQuery): Omit<HistoryFilter, 'limit'> {
  if (q.minRisk !== undefined && q.maxRisk !== undefined && q.minRisk > q.maxRisk) throw new FlowLinkError('invalid_params', 'minRisk is greater than maxRisk');
  return { orgId, agent: q.agent, server: q.server, tool: q.tool, status: q.status, verdict: q.verdict, minRisk: q.minRisk, maxRisk: q.maxRisk, since: parseWhen(q.since, 'since'), until: parseWhen(q.until, 'until'), text: q.text, bySeq: true };
}

export function eventView(r: EventRow) {
  return { seq: Number(r.seq), id: r.id, ts: new Date(r.ts).toISOString(), kind: r.kind, code: r.code, severity: isAuditKind(r.kind) ? AuditCatalog[r.kind].severity : 'info', actor_type: r.actor_type, actor_id: r.actor_id, outcome: r.outcome, data: r.data, prev_hash: r.prev_hash, hash: r.hash };
}

function callView(r: CallRow) {
  return { ...historyRecord(r), decision: r.decision ?? null, client: r.client ?? null };
}

/** The person acting on retention (API keys may not: a purge takes two people). */
function retentionActor(req: FastifyRequest): RetentionActor {
  const a = who.actor(req);
  if (a.kind !== 'user') throw new FlowLinkError('forbidden', 'retention changes and purges are made by a signed-in person, not an API key');
  return { orgId: a.orgId, userId: a.id, name: req.identityAuth.user?.email ?? a.id, role: a.role };
}

/** A default bucket that gives 12 to 288 points. */
function defaultBucket(windowMs: number): string {
  if (windowMs <= 3_600_000) return '1m';
  if (windowMs <= 6 * 3_600_000) return '5m';
  if (windowMs <= 24 * 3_600_000) return '1h';
  if (windowMs <= 7 * 86_400_000) return '6h';
  return '1d';
}

/**
 * Audit log, command history, overview stats, live activity and retention under
 * /api/v1/orgs/:orgId/… (registered inside the identity API: same sessions, API keys,
 * roles, CSRF and error mapping). Every query is scoped by the org id the auth check
 * resolved, in the repo's SQL. See docs/audit.md for the shapes.
 */
export function auditRoutes(deps: AuditRoutesDeps) {
  const { store, live } = deps;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const recheckMs = deps.recheckMs ?? 5_000;

  /** Is the stream's viewer still signed in (or the API key still valid) with history.read in this org? */
  async function stillAllowed(req: FastifyRequest): Promise<boolean> {
    const ids = deps.identity();
    if (!ids) return true;
    const a = who.actor(req);
    try {
      if (a.kind === 'api_key') {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
        const key = m ? await ids.orgs.authenticateApiKey(m[1]!) : undefined;
        return !!key && key.orgId === a.orgId && can(key.role, 'history.read');
      }
      const token = req.cookies[SESSION_COOKIE];
      const found = token ? await ids.accounts.resolve(token) : undefined;
      if (!found || found.session.state !== 'active' || found.user.id !== a.id) return false;
      return can((await ids.orgs.memberRole(a.orgId, a.id)).role, 'history.read');
    } catch {
      return false;
    }
  }

  // Open live streams, ended when the server closes (they would otherwise hold the shutdown).
  const streams = new Set<(reason: string) => void>();

  return (api: FastifyInstance) => {
    api.addHook('preClose', (done) => {
      for (const end of [...streams]) end('server shutting down');
      done();
    });
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/history', auth: { kind: 'org', perm: 'history.read' }, tags: ['history'], summary: 'Search recorded tool calls, newest first (cursor: pass nextCursor back)',
      schema: { params: orgParams, querystring: S.obj({ ...historyQuery, cursor, limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE } }) },
      async handler(req) {
        const q = req.query as HistoryQuery & { cursor?: string; limit?: number };
        const limit = q.limit ?? 50;
        const rows = await auditRepo.history(store, { ...historyFilter(who.actor(req).orgId, q), limit, beforeSeq: q.cursor === undefined ? undefined : Number(q.cursor) });
        const last = rows[rows.length - 1];
        return { calls: rows.map(historyRecord), nextCursor: rows.length === limit && last ? String(last.audit_seq) : null };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/history/export', auth: { kind: 'org', perm: 'history.read' }, tags: ['history'], summary: 'Export every matching call as CSV or JSON Lines (streamed)',
      schema: { params: orgParams, querystring: S.obj({ ...historyQuery, format: { type: 'string', enum: ['csv', 'jsonl'] }, limit: { type: 'integer', minimum: 1, maximum: 10_000_000 } }) },
      async handler(req, reply) {
        const q = req.query as HistoryQuery & { format?: 'csv' | 'jsonl'; limit?: number };
        const format = q.format ?? 'jsonl';
        const actor = who.actor(req);
        const filter = historyFilter(actor.orgId, q);
        const max = q.limit ?? Infinity;
        let rows = 0;
        async function* lines() {
          if (format === 'csv') yield csvHeader(CSV_COLUMNS);
          let left = max;
          let beforeSeq: number | undefined;
          while (left > 0) {
            const want = Math.min(EXPORT_PAGE, left);
            const page = await auditRepo.history(store, { ...filter, limit: want, beforeSeq });
            if (page.length) yield page.map((r) => (format === 'csv' ? csvRow(CSV_COLUMNS, historyRecord(r)) : JSON.stringify(historyRecord(r)) + '\n')).join('');
            left -= page.length;
            rows += page.length;
            if (page.length < want) break;
            beforeSeq = Number(page[page.length - 1]!.audit_seq);
          }
          // Recorded once the whole export was read (the outcome, not the attempt).
          const used = Object.fromEntries(Object.entries(q).filter(([k, v]) => k !== 'format' && v !== undefined).map(([k, v]) => [k, String(v).slice(0, 256)]));
          await deps.audit.append({ orgId: actor.orgId, kind: 'audit.exported', actor: { type: actor.kind === 'user' ? 'user' : 'system', id: actor.id }, outcome: 'success', data: { what: 'history', format, rows, filters: used, by_name: (req.identityAuth.user?.email ?? `api key ${actor.id}`).slice(0, 256) } });
        }
        const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
        reply.header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
        reply.header('content-disposition', `attachment; filename="flowlink-history-${stamp}.${format}"`);
        return reply.send(Readable.from(lines(), { objectMode: false }));
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/history/:callId', auth: { kind: 'org', perm: 'history.read' }, tags: ['history'], summary: "One call's full record (redacted arguments, decision) and its audit event",
      schema: { params: S.obj({ orgId: S.id, callId: S.str(128) }, ['orgId', 'callId']) },
      async handler(req) {
        const orgId = who.actor(req).orgId;
        const row = await auditRepo.call(store, orgId, (req.params as { callId: string }).callId);
        if (!row) throw new FlowLinkError('not_found', 'no such call');
        const ev = await auditRepo.event(store, orgId, { seq: Number(row.audit_seq) });
        return { call: callView(row), event: ev ? eventView(ev) : null };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/audit/events', auth: { kind: 'org', perm: 'audit.read' }, tags: ['audit'], summary: 'Audit events, newest first, filtered by kind, actor, outcome, minimum severity and time',
      schema: {
        params: orgParams,
        querystring: S.obj({
          kind: S.str(2000), actorType: { type: 'string', enum: ['agent', 'user', 'system'] }, actor: S.str(128), outcome: { type: 'string', enum: ['success', 'failure', 'denied'] },
          severity: { type: 'string', enum: SEVERITIES }, since: S.str(40), until: S.str(40), cursor, limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE },
        }),
      },
      async handler(req) {
        const q = req.query as { kind?: string; actorType?: string; actor?: string; outcome?: string; severity?: AuditSeverity; since?: string; until?: string; cursor?: string; limit?: number };
        let kinds: string[] | undefined;
        if (q.kind) {
          kinds = q.kind.split(',').map((k) => k.trim()).filter(Boolean);
          const unknown = kinds.find((k) => !isAuditKind(k));
          if (unknown) throw new FlowLinkError('invalid_params', `kind "${unknown.slice(0, 64)}" is not in the event catalog`);
        }
        if (q.severity) {
          const min = SEVERITY_RANK[q.severity];
          const bySeverity = Object.entries(AuditCatalog).filter(([, e]) => SEVERITY_RANK[e.severity] >= min).map(([k]) => k);
          kinds = kinds ? kinds.filter((k) => bySeverity.includes(k)) : bySeverity;
        }
        const limit = q.limit ?? 50;
        const rows = await auditRepo.eventList(store, { orgId: who.actor(req).orgId, limit, kinds, actorType: q.actorType, actorId: q.actor, outcome: q.outcome, since: parseWhen(q.since, 'since'), until: parseWhen(q.until, 'until'), beforeSeq: q.cursor === undefined ? undefined : Number(q.cursor) });
        const last = rows[rows.length - 1];
        return { events: rows.map(eventView), nextCursor: rows.length === limit && last ? String(last.seq) : null };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/audit/events/:ref', auth: { kind: 'org', perm: 'audit.read' }, tags: ['audit'], summary: 'One audit event by sequence number or event id',
      schema: { params: S.obj({ orgId: S.id, ref: S.str(128) }, ['orgId', 'ref']) },
      async handler(req) {
        const ref = (req.params as { ref: string }).ref;
        const ev = await auditRepo.event(store, who.actor(req).orgId, /^[0-9]{1,15}$/.test(ref) ? { seq: Number(ref) } : { id: ref });
        if (!ev) throw new FlowLinkError('not_found', 'no such audit event');
        return { event: eventView(ev) };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/audit/chain', auth: { kind: 'org', perm: 'audit.read' }, tags: ['audit'], summary: "Verify the newest records of this org's hash chain; the latest signed checkpoint",
      schema: { params: orgParams, querystring: S.obj({ last: { type: 'integer', minimum: 1, maximum: MAX_STATUS_RECORDS } }) },
      async handler(req) {
        return chainStatus(store, who.actor(req).orgId, (req.query as { last?: number }).last ?? DEFAULT_STATUS_RECORDS);
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/audit/checkpoint', auth: { kind: 'org', perm: 'audit.read' }, tags: ['audit'], summary: 'Download the latest signed checkpoint (self-contained JSON) to hold outside FlowLink',
      schema: { params: orgParams },
      async handler(req, reply) {
        const orgId = who.actor(req).orgId;
        const cp = await latestExportedCheckpoint(store, { id: orgId, name: (await orgName(store, orgId)) ?? orgId });
        if (!cp) throw new FlowLinkError('not_found', 'no checkpoint has been signed for this organization yet');
        reply.header('content-disposition', `attachment; filename="flowlink-checkpoint-${cp.seq}.json"`);
        return cp;
      },
    });

    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/audit/checkpoint', auth: { kind: 'org', perm: 'audit.read' }, tags: ['audit'], summary: 'Sign a checkpoint over the newest record now and return it',
      schema: { params: orgParams },
      async handler(req) {
        const orgId = who.actor(req).orgId;
        const cp = await checkpointOrg({ store, keys: deps.keys }, orgId);
        if (!cp) throw new FlowLinkError('not_found', 'this organization has no audit records yet');
        return latestExportedCheckpoint(store, { id: orgId, name: (await orgName(store, orgId)) ?? orgId });
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/stats/overview', auth: { kind: 'org', perm: 'stats.read' }, tags: ['stats'], summary: 'Counts, a time series, top risky agents and tools, and upstream health over a window',
      schema: { params: orgParams, querystring: S.obj({ window: S.str(10), bucket: { type: 'string', enum: Object.keys(BUCKETS) }, top: { type: 'integer', minimum: 1, maximum: 50 } }) },
      async handler(req) {
        const q = req.query as { window?: string; bucket?: string; top?: number };
        const windowMs = parseSpan(q.window ?? '24h', 'window');
        if (windowMs < 60_000 || windowMs > 90 * 86_400_000) throw new FlowLinkError('invalid_params', 'window must be from 1m to 90d');
        const bucket = q.bucket ?? defaultBucket(windowMs);
        const bucketSec = BUCKETS[bucket]!;
        if (windowMs / 1000 / bucketSec > 1000) throw new FlowLinkError('invalid_params', `a ${q.window ?? '24h'} window in ${bucket} buckets is more than 1000 points; choose a larger bucket`);
        const orgId = who.actor(req).orgId;
        const until = new Date();
        const since = new Date(until.getTime() - windowMs);
        const top = q.top ?? 5;
        const [counts, series, agents, tools, waiting] = await Promise.all([
          statsRepo.counts(store, orgId, since, until),
          statsRepo.series(store, orgId, since, until, bucketSec),
          statsRepo.topAgents(store, orgId, since, until, top),
          statsRepo.topTools(store, orgId, since, until, top),
          deps.pendingApprovals ? deps.pendingApprovals(orgId) : Promise.resolve(null),
        ]);
        return {
          window: { since: since.toISOString(), until: until.toISOString(), bucket },
          counts: { ...counts, waitingApproval: waiting },
          series,
          topAgents: agents,
          topTools: tools,
          // Named fields only: an upstream's last error can quote its environment, so it stays out.
          upstreams: deps.upstreams().map((u) => ({ name: u.name, kind: u.kind, mode: u.mode, state: u.state, restarts: u.restarts, inflight: u.inflight, connections: u.connections, serverInfo: u.serverInfo ?? null })),
        };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/activity/stream', auth: { kind: 'org', perm: 'history.read' }, tags: ['history'], summary: "Live activity (Server-Sent Events): this org's calls as they are recorded; Last-Event-ID resumes",
      schema: { params: orgParams },
      async handler(req, reply) {
        const orgId = who.actor(req).orgId;
        const lastId = String(req.headers['last-event-id'] ?? '');
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        let closed = false;
        let replaying = true;
        // A reconnecting EventSource sends the last id it saw (0 included): replay from there.
        const resume = /^[0-9]{1,15}$/.test(lastId);
        let lastSeq = resume ? Number(lastId) : 0;
        const held: LiveCall[] = [];
        const send = (c: LiveCall) => {
          if (closed || c.seq <= lastSeq) return;
          lastSeq = Math.max(lastSeq, c.seq);
          res.write(`id: ${c.seq}\nevent: call\ndata: ${JSON.stringify(c)}\n\n`);
          // A viewer that does not read is dropped (it reconnects with Last-Event-ID).
          if (res.writableLength > MAX_STREAM_BUFFER) end('slow reader');
        };
        const off = live.subscribe(orgId, (c) => (replaying ? held.push(c) : send(c)));
        const beat = setInterval(() => !closed && res.write(': ping\n\n'), heartbeatMs);
        const check = setInterval(() => {
          void stillAllowed(req).then((ok) => ok || end('signed out or access revoked'));
        }, recheckMs);
        beat.unref();
        check.unref();
        function end(reason: string) {
          if (closed) return;
          res.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
          cleanup();
          res.end();
        }
        function cleanup() {
          closed = true;
          streams.delete(end);
          off();
          clearInterval(beat);
          clearInterval(check);
        }
        req.raw.on('close', cleanup);
        streams.add(end);
        res.write(`retry: 3000\n: connected\n\n`);
        try {
          if (resume) for (const c of await live.since(orgId, lastSeq)) send(c);
        } finally {
          replaying = false;
          held.sort((a, b) => a.seq - b.seq).forEach(send);
          held.length = 0;
        }
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/audit/retention', auth: { kind: 'org', perm: 'audit.read' }, tags: ['audit'], summary: 'Retention period, what is due for purging, where the chain begins, and purge requests',
      schema: { params: orgParams },
      async handler(req) {
        return deps.retention.show(who.actor(req).orgId);
      },
    });

    route(api, {
      method: 'PUT', url: '/v1/orgs/:orgId/audit/retention', auth: { kind: 'org', perm: 'audit.manage' }, tags: ['audit'], summary: 'Set the retention period in days',
      schema: { params: orgParams, body: S.obj({ days: { type: 'integer', minimum: 1, maximum: 36_500 } }, ['days']) },
      async handler(req) {
        return deps.retention.set(retentionActor(req), (req.body as { days: number }).days);
      },
    });

    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/audit/retention/purges', auth: { kind: 'org', perm: 'audit.manage' }, tags: ['audit'], summary: 'Request deleting records older than the retention period (a different person must approve)',
      schema: { params: orgParams },
      async handler(req, reply) {
        return reply.status(201).send({ request: await deps.retention.requestPurge(retentionActor(req)) });
      },
    });

    const purgeParams = S.obj({ orgId: S.id, id: S.id }, ['orgId', 'id']);
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/audit/retention/purges/:id/approve', auth: { kind: 'org', perm: 'audit.purge.approve' }, tags: ['audit'], summary: "Approve someone else's purge request: the records are deleted and a signed truncation marker written",
      schema: { params: purgeParams },
      async handler(req) {
        return { request: await deps.retention.approvePurge(retentionActor(req), (req.params as { id: string }).id) };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/audit/retention/purges/:id/export', auth: { kind: 'org', perm: 'audit.read' }, tags: ['audit'], summary: 'The records a pending purge would delete, as JSON Lines (export them before approving)',
      schema: { params: purgeParams },
      async handler(req, reply) {
        const a = who.actor(req);
        const id = (req.params as { id: string }).id;
        const lines = deps.retention.exportPurge({ orgId: a.orgId, name: req.identityAuth.user?.email ?? `api key ${a.id}`, ...(a.kind === 'user' ? { userId: a.id } : {}) }, id);
        // The first page is read before answering, so an unknown or closed request gets its error status.
        const first = await lines.next();
        reply.header('content-type', 'application/x-ndjson; charset=utf-8');
        reply.header('content-disposition', `attachment; filename="flowlink-purge-${id}.jsonl"`);
        async function* all() {
          if (!first.done) yield first.value;
          yield* lines;
        }
        return reply.send(Readable.from(all(), { objectMode: false }));
      },
    });

    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/audit/retention/purges/:id/reject', auth: { kind: 'org', perm: 'audit.read' }, tags: ['audit'], summary: 'Reject (or, as its requester, withdraw) a pending purge request',
      schema: { params: purgeParams, body: S.obj({ reason: S.str(1000) }) },
      async handler(req) {
        return { request: await deps.retention.rejectPurge(retentionActor(req), (req.params as { id: string }).id, (req.body as { reason?: string } | undefined)?.reason ?? '') };
      },
    });
  };
}
