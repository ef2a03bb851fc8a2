import { AsyncLocalStorage } from 'node:async_hooks';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { ConfigSchema } from '../../src/config/schema.ts';
import { createFlowLink, type FlowLink } from '../../src/app.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { DEFAULT_ORG } from '../../src/identity/agents.service.ts';
import { createRouter, type RequestOrigin } from '../../src/gateway/router.ts';
import { createSessionStore } from '../../src/gateway/session.ts';
import { createLegacyService } from '../../src/gateway/mcp-service.ts';
import { createModernService } from '../../src/gateway/modern-service.ts';
import { createEdgeAuth, createHostCheck } from '../../src/gateway/auth.ts';
import { registerMcpHttp } from '../../src/gateway/http-edge.ts';
import { registerIdentityApi } from '../../src/http/identity.routes.ts';
import { createConsoleMailer } from '../../src/identity/mailer.ts';
import { membersRepo } from '../../src/identity/orgs.repo.ts';
import type { Role } from '../../src/identity/roles.ts';
import { createAuditStage } from '../../src/pipeline/stages/audit.ts';
import { createAuthenticateStage } from '../../src/pipeline/stages/authenticate.ts';
import { createRateLimitStage } from '../../src/pipeline/stages/rate-limit.ts';
import { createShieldStage } from '../../src/pipeline/stages/shield.ts';
import { createPolicyStage } from '../../src/pipeline/stages/policy.ts';
import { createScanResultStage } from '../../src/pipeline/stages/scan-result.ts';
import { forwardStage } from '../../src/pipeline/stages/forward.ts';
import { createSessionRisk } from '../../src/shield/session-risk.ts';
import type { Stage } from '../../src/pipeline/types.ts';
import { ApprovalsConfigSchema } from '../../src/approvals/approvals.config.ts';
import { wireApprovals, type Approvals } from '../../src/approvals/wire.ts';
import { ROOT } from '../helpers/flowlink.ts';

export const opsServer = (log: string) => ({ command: process.execPath, args: [resolve(ROOT, 'test/fixtures/ops-server.mjs')], env: { OPS_LOG: log } });

export interface Node {
  fl: FlowLink;
  app: FastifyInstance;
  approvals: Approvals;
  url: string;
  orgId: string;
  store: Store;
  stop(): Promise<void>;
}

/**
 * A FlowLink with the approval queue wired the way app.ts will wire it (see
 * docs/approvals.md "Wiring"): the pipeline of order.ts with the policy stage deferring
 * approvals and the approval stage right after it; the approvals API beside the identity
 * API; the router's progress function (here supplied by a wrapper around the router,
 * since router.ts fills it in once wired). createFlowLink provides the modules; this
 * app serves them.
 */
export async function startNode(opts: { servers: Record<string, unknown>; approvals: Record<string, unknown>; pgUrl?: string; store?: Store; instanceId?: string }): Promise<Node> {
  const config = ConfigSchema.parse({ listen: { port: 0 }, servers: opts.servers });
  const store = opts.store ?? (await openStore(opts.pgUrl ? { url: opts.pgUrl, data: '' } : { data: 'memory://' }));
  const fl = await createFlowLink({ config, baseDir: ROOT, store, logger: silentLogger });
  const org = await fl.agents.ensureOrg(DEFAULT_ORG);
  const approvals = wireApprovals({ config: ApprovalsConfigSchema.parse(opts.approvals), store, audit: fl.audit, logger: silentLogger, ...(opts.instanceId ? { instanceId: opts.instanceId } : {}) });
  await approvals.start();

  const shield = fl.shield!;
  const redact = (args: Record<string, unknown>) => {
    const scan = shield.scanResult('', '', [args]);
    return scan.redactions ? (scan.content[0] as Record<string, unknown>) : args;
  };
  const sessionRisk = createSessionRisk();
  const labels = (s: string) => fl.registry.labels(s);
  const call = new AsyncLocalStorage<{ o: RequestOrigin; id: unknown }>();
  // Stands in for the router filling ctx.progress (docs/approvals.md "Wiring").
  const progressStage: Stage = {
    name: 'test-progress',
    run(ctx, next) {
      const c = call.getStore();
      const token = ctx.meta?.progressToken;
      if (c && token !== undefined) (ctx as { progress?: unknown }).progress = (n: Record<string, unknown>) => c.o.peer.notify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, ...n } }, c.id as never);
      return next();
    },
  };
  const pipeline: Stage[] = [
    progressStage,
    createAuditStage(fl.audit, redact),
    createAuthenticateStage(fl.agents),
    createRateLimitStage({ limiter: fl.limiter }),
    createShieldStage({ shield, pins: fl.pins!, sessionRisk, labels: (s) => labels(s) ?? {} }),
    createPolicyStage({ current: fl.policy.current, serverLabels: labels, shieldThresholds: config.shield.thresholds, deferApprovals: true }),
    approvals.stage(redact),
    createScanResultStage({ shield, sessionRisk, audit: fl.audit, injectionRisk: 40 }),
    forwardStage,
  ];
  const inner = createRouter({ registry: fl.registry, pipeline });
  const router = { handle: (o: RequestOrigin, req: Parameters<typeof inner.handle>[1]) => call.run({ o, id: req.id }, () => inner.handle(o, req)) };
  const sessions = createSessionStore({ idleTimeoutMs: 600_000, onClose: (s) => void fl.registry.release(s) });
  const legacy = createLegacyService({ router, registry: fl.registry, sessions });
  const modern = createModernService({ router, registry: fl.registry });

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  registerMcpHttp(app, {
    registry: fl.registry,
    sessions,
    legacy,
    modern,
    authenticate: createEdgeAuth({ agents: fl.agents, anonymous: config.anonymous }),
    checkHost: createHostCheck({ listenHost: '127.0.0.1', allowedHosts: [] }),
    resourceMetadataUrl: () => 'http://127.0.0.1/.well-known/oauth-protected-resource/mcp',
    isShuttingDown: () => false,
  });
  const { accounts, orgs } = registerIdentityApi(app, { store, agents: fl.agents, logger: silentLogger, publicUrl: 'http://console.test', mailer: createConsoleMailer(silentLogger), secureCookies: false });
  approvals.registerApi(app, { accounts, orgs, secureCookies: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    fl,
    app,
    approvals,
    url,
    orgId: org.id,
    store,
    async stop() {
      await approvals.stop();
      sessions.closeAll();
      await app.close();
      await fl.close();
      if (!opts.store) await store.close();
    },
  };
}

/** A signed-in person of the org with `role`: cookies and CSRF header for the REST API. */
export async function person(node: Node, role: Role, email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`) {
  const password = 'correct horse battery staple 42!';
  const res0 = await fetch(`${node.url}/api/v1/auth/sign-up`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const created = (await res0.json()) as { user: { id: string } };
  await membersRepo.add(node.store, node.orgId, created.user.id, role);
  const res = await fetch(`${node.url}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const body = (await res.json()) as { csrfToken: string };
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const headers = { cookie, 'x-csrf-token': body.csrfToken, 'content-type': 'application/json' };
  async function api(method: string, path: string, json?: unknown, base = node.url) {
    const r = await fetch(`${base}/api${path}`, { method, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    return { status: r.status, body: (await r.json()) as any };
  }
  return { id: created.user.id, email, headers, api };
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The one pending request of the org (waits for it). */
export async function pending(node: Node) {
  return waitFor(async () => (await node.approvals.service.list(node.orgId, { state: 'pending' }))[0], 10_000, 'a pending approval');
}
