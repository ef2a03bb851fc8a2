import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config/schema.ts';
import type { Store } from './store/store.ts';
import type { Logger } from './lib/logger.ts';
import { createAgentService, type AgentService } from './identity/agents.service.ts';
import type { AuditWriter } from './audit/audit.writer.ts';
import { buildPipeline } from './pipeline/order.ts';
import { createRegistry, type Registry } from './gateway/registry.ts';
import { createRouter } from './gateway/router.ts';
import { createSessionStore, AgentSession } from './gateway/session.ts';
import { createLegacyService } from './gateway/mcp-service.ts';
import { createModernService } from './gateway/modern-service.ts';
import { createTaskStore } from './gateway/tasks.ts';
import { createEdgeAuth, createHostCheck } from './gateway/auth.ts';
import { registerMcpHttp } from './gateway/http-edge.ts';
import { wireMcpAuth } from './identity/mcp-auth.wire.ts';
import { registerMcpWebSocket } from './gateway/ws-edge.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { registerHealth } from './http/health.routes.ts';
import { createShieldFromConfig, type Shield } from './shield/index.ts';
import { createPinService, type PinService } from './shield/pins.service.ts';
import { createSessionRisk } from './shield/session-risk.ts';
import { createOrgRules, type OrgRules } from './shield/org-rules.service.ts';
import { shieldRoutes } from './http/shield.routes.ts';
import { serversRoutes } from './http/servers.routes.ts';
import { registerIdentityApi } from './http/identity.routes.ts';
import { providersFromConfig } from './identity/oauth/index.ts';
import { policyRoutes } from './http/policy.routes.ts';
import { siemRoutes } from './http/siem.routes.ts';
import { wireSiem, type Siem } from './siem/index.ts';
import { secretsRoutes } from './http/secrets.routes.ts';
import { registerDecideApi } from './http/decide.routes.ts';
import { registerConsole } from './http/console.routes.ts';
import { wireApprovals, type Approvals } from './approvals/wire.ts';
import { createSecrets, loadMasterKey, SecretsConfigSchema, type InjectedValues, type Secrets } from './secrets/index.ts';
import { FlowLinkError } from './lib/errors.ts';
import { DEFAULT_ORG } from './identity/agents.service.ts';
import { createSmtpMailer, createConsoleMailer } from './identity/mailer.ts';
import { wireAudit } from './audit/wire.ts';
import { createPolicyService, type PolicyService } from './policy/policy.service.ts';
import { wireCompliance } from './compliance/wire.ts';
import type { ComplianceService } from './compliance/compliance.service.ts';
import type { SnapshotService } from './snapshots/snapshots.service.ts';
import { toolVisibility } from './policy/visibility.ts';
import { decideCall, type DecideInput, type DecideOutcome } from './pipeline/decide.ts';
import { scopeAllows } from './identity/scopes.ts';
import { createRateLimiterFromConfig, RateLimitsConfigSchema, type RateLimiter } from './ratelimit/index.ts';

export interface FlowLink {
  app: FastifyInstance;
  store: Store;
  agents: AgentService;
  audit: AuditWriter;
  registry: Registry;
  metrics: Metrics;
  shield: Shield | undefined;
  pins: PinService | undefined;
  policy: PolicyService;
  limiter: RateLimiter;
  secrets: Secrets;
  /** The approval queue, when `approvals:` is configured. */
  approvals: Approvals | undefined;
  /** SIEM export: sinks, durable delivery, status (docs/siem.md). */
  siem: Siem;
  /** Compliance reports (docs/compliance.md). */
  compliance: ComplianceService;
  /** Context snapshots; an incident module calls `snapshots.capture(orgId, 'incident', ref)` (docs/snapshots.md). */
  snapshots: SnapshotService;
  /** Runs an action reported by a hook through every stage without executing it. */
  decide(input: DecideInput): Promise<DecideOutcome>;
  /** Stops accepting work, lets in-flight calls finish (up to the grace period), then closes everything. */
  close(): Promise<void>;
}

/**
 * Wires the modules into one FlowLink instance. It opens no port: `listen` is the
 * caller's (the CLI's or a test's) decision. The store is passed in, already migrated.
 */
export async function createFlowLink(opts: {
  config: Config;
  baseDir: string;
  store: Store;
  logger: Logger;
  /** The config file, watched for policy and rate-limit changes (hot reload). */
  configFile?: string | undefined;
  /** The embedded store's folder: audit signing keys live there. Undefined for PostgreSQL or in-memory stores. */
  dataDir?: string | undefined;
  /** Demo mode: a missing master key is generated in dataDir instead of refused. */
  demo?: boolean;
  /** Injected values, shared with the logger's redaction (see src/cli/start.ts). */
  secretValues?: InjectedValues;
}): Promise<FlowLink> {
  const { config, store, logger } = opts;
  const metrics = createMetrics();
  const agents = createAgentService({ store });
  await agents.start();
  // The audit log: writer, signed checkpoints, live activity, retention, outage alerts (docs/audit.md).
  const auditMod = wireAudit({ store, logger, metrics, dataDir: opts.dataDir, env: process.env });
  const audit = auditMod.writer;
  await auditMod.start();
  // Secrets: a weak master key is always refused; a missing one only when secrets are in use (outside demo mode).
  const master = loadMasterKey({ env: process.env, demo: opts.demo ?? false, dataDir: opts.dataDir });
  // (The secrets section always parses to an object; "in use" means grants, Vault, or placeholders in server configs.)
  const usesSecrets = (config.secrets?.grants.length ?? 0) > 0 || config.secrets?.vault !== undefined || JSON.stringify(config.servers).includes('{{secret');
  if (!master.ok && (master.code !== 'missing' || usesSecrets)) throw new FlowLinkError('master_key_invalid', master.message);
  if (master.ok && master.warning) logger.warn(master.warning);
  const secrets = createSecrets({ store, audit, config: config.secrets ?? SecretsConfigSchema.parse({}), masterKey: master.ok ? master.key : undefined, ...(opts.secretValues ? { values: opts.secretValues } : {}) });
  await secrets.start();
  // Servers in the config belong to the installation: their env/header secrets come from the default org.
  const configOrg = (await agents.ensureOrg(DEFAULT_ORG)).id;
  // SIEM export: the audit log is the outbox; sinks in the config are the installation's, their credentials resolve in the default org.
  const siem = wireSiem({ config: config.siem, store, secrets: secrets.resolver, redactValue: (n, v) => secrets.values.addGlobal(n, v), configOrgId: configOrg, baseDir: opts.baseDir, logger, registry: metrics.registry });
  const registry = createRegistry({
    servers: config.servers,
    baseDir: opts.baseDir,
    logger,
    serverSecrets: (cfg, name) => secrets.resolveServerSecrets(cfg, configOrg, name),
    // Notifications (progress, log lines) carry what the upstream saw: redact per org (every value for stateless peers).
    redact: (peer, n) => (peer instanceof AgentSession ? secrets.redactorFor(peer.identity.orgId) : secrets.values.all()).redactJson(n),
    onState: (s, st) => metrics.upstreamUp.set({ server: s }, st === 'ready' ? 1 : 0),
  });
  let shield: Shield | undefined;
  let pins: PinService | undefined;
  // Per-org rule settings (packs and rules switched off or overridden through the API).
  let orgRules: OrgRules | undefined;
  let shieldApi: ReturnType<typeof shieldRoutes> | undefined;
  if (config.shield.enabled) {
    const engine = await createShieldFromConfig(config.shield, opts.baseDir);
    shield = engine;
    pins = createPinService({ store, shield, audit });
    orgRules = createOrgRules({ store, engine, audit });
    await orgRules.start();
    shieldApi = shieldRoutes({ engine, orgRules, pins, audit, labels: (s) => registry.labels(s) });
    await pins.start();
  }
  const policy = createPolicyService({ store, file: opts.configFile, logger, clock: Date.now });
  await policy.start();
  // Without a file to watch (FlowLink embedded with a config object), the config's own
  // policy sections are the set; applying an unchanged set creates no new version.
  if (!opts.configFile && (config.policies || config.rateLimits)) {
    await policy.apply({ ...(config.policies ? { policies: config.policies } : {}), ...(config.rateLimits ? { rateLimits: config.rateLimits } : {}) }, 'config');
  }
  const limiter = createRateLimiterFromConfig(config.rateLimits ?? RateLimitsConfigSchema.parse({}), { logger, onBackendState: (up) => metrics.rateLimitBackendUp.set(up ? 1 : 0) });
  limiter.configure(policy.current().document.rateLimits.limits);
  policy.onChange((p) => limiter.configure(p.document.rateLimits.limits));
  // Reports and snapshots; from here on every policy change is preceded by a snapshot.
  const reports = wireCompliance({ store, config, baseDir: opts.baseDir, policy, audit, logger, homeOrgId: configOrg, siemStatus: siem.forOrg });
  const approvals = config.approvals?.enabled ? wireApprovals({ config: config.approvals, store, audit, logger }) : undefined;
  await approvals?.start();
  // MCP authorization: OAuth access tokens and external JWTs beside agent tokens (docs/mcp-authorization.md).
  const mcpAuth = await wireMcpAuth({ identity: config.identity, listen: config.listen, baseDir: opts.baseDir, store, audit, logger, servers: () => registry.names() });
  const pipeline = buildPipeline({
    secrets: secrets.stage(),
    approvals,
    audit,
    agents: mcpAuth.withLiveness(agents),
    limiter,
    policy,
    labels: (s) => registry.labels(s),
    shieldThresholds: config.shield.thresholds,
    shield: shield && pins ? { shield, pins, sessionRisk: createSessionRisk(), labels: (s) => registry.labels(s), injectionRisk: config.shield.sessionRiskOnInjection ?? 40, forOrg: orgRules?.forOrg } : undefined,
  });
  const pinService = pins;
  const router = createRouter({
    registry,
    pipeline,
    onCall: metrics.recordCall,
    // tools/list shows only what the agent could ever call: in its token's scopes, not hidden
    // by policy, and not quarantined by Shield.
    filterTools: async (o, server, tools) => {
      const id = o.identity;
      const hidden = new Set(
        toolVisibility(policy.current().compiled, { org: id.orgId, agent: id.agentName, agentLabels: id.labels, server, serverLabels: registry.labels(server), tools: tools.map((t) => String(t.name)) })
          .filter((v) => !v.visible)
          .map((v) => v.tool),
      );
      const allowed = tools.filter((t) => !hidden.has(String(t.name)) && (!id.scopes || scopeAllows(id.scopes, server, String(t.name))));
      return pinService ? ((await pinService.filterTools(id.orgId, server, allowed as never)) as unknown as Record<string, unknown>[]) : allowed;
    },
  });
  const sessions = createSessionStore({
    idleTimeoutMs: config.limits.sessionIdleTimeout,
    onClose: (s) => {
      void registry.release(s);
      metrics.sessions.set(sessions.size);
    },
  });
  const legacy = createLegacyService({ router, registry, sessions });
  // Held calls of 2026 agents with the Tasks extension become tasks they poll (any instance answers).
  const tasks = approvals
    ? { store: createTaskStore({ store, instanceId: approvals.service.instanceId, ttlMs: config.approvals!.tasks.ttl, pollIntervalMs: config.approvals!.tasks.pollInterval }), withdraw: (org: string, id: string) => approvals.service.withdraw(org, id, 'the agent cancelled its task') }
    : undefined;
  const taskSweep = tasks ? setInterval(() => void tasks.store.sweep().catch(() => undefined), 60_000) : undefined;
  taskSweep?.unref();
  const modern = createModernService({ router, registry, tasks });
  const authenticate = createEdgeAuth({ agents, anonymous: config.anonymous, bearer: mcpAuth.bearer });
  const checkHost = createHostCheck({ listenHost: config.listen.host, allowedHosts: config.listen.allowedHosts });
  let shuttingDown = false;

  // Unknown fields in a REST body or query are an error naming the field, not silently dropped
  // (Fastify's default removes them); types in query strings are still coerced.
  const app = Fastify({ logger: false, bodyLimit: config.limits.maxBodyBytes, forceCloseConnections: 'idle', return503OnClosing: false, ajv: { customOptions: { removeAdditional: false } } });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `Request body is larger than the limit of ${config.limits.maxBodyBytes} bytes (limits.maxBodyBytes)` : status >= 500 ? 'internal error' : err.message;
    if (status >= 500) logger.error({ err }, 'request failed');
    void reply.status(status).send({ jsonrpc: '2.0', id: null, error: { code: status === 413 ? -32600 : -32603, message } });
  });

  registerMcpHttp(app, {
    registry,
    sessions,
    legacy,
    modern,
    authenticate,
    checkHost,
    resourceMetadataUrl: mcpAuth.resourceMetadataUrl,
    challenge: mcpAuth.challenge,
    isShuttingDown: () => shuttingDown,
  });
  await registerMcpWebSocket(app, { legacy, sessions, registry, authenticate, checkHost, maxBytes: config.limits.maxBodyBytes, onSessions: () => metrics.sessions.set(sessions.size) });
  registerHealth(app, { registry, audit, metrics, sessions: () => sessions.size });
  const id = config.identity;
  const identityApi = registerIdentityApi(app, {
    store,
    agents,
    logger,
    publicUrl: id.publicUrl ?? `http://${config.listen.host}:${config.listen.port}`,
    mailer: id.smtp ? createSmtpMailer(id.smtp) : createConsoleMailer(logger),
    secureCookies: id.secureCookies,
    allowedOrigins: id.allowedOrigins,
    signup: id.signup,
    // OAuth client secrets are references (env:, vault:, file:, or a default-org secret), read at each code exchange.
    oauthProviders: providersFromConfig(id.oauth, async (ref) => (await secrets.resolver.resolve(configOrg, ref))?.value),
    audit,
    routes: [siemRoutes({ siem, agents }), policyRoutes({ policy, agents, store, labels: (s) => registry.labels(s), thresholds: config.shield.thresholds }), ...(shieldApi ? [shieldApi] : []), serversRoutes({ registry, agents, policy, audit, pins, shield }), secretsRoutes({ secrets, agents }), auditMod.routes({ upstreams: () => registry.status(), pendingApprovals: approvals ? async (org) => (await approvals.service.list(org, { state: 'pending', limit: 200 })).length : undefined, identity: () => identityApi }), ...reports.routes],
  });
  approvals?.registerApi(app, { accounts: identityApi.accounts, orgs: identityApi.orgs, secureCookies: id.secureCookies, allowedOrigins: id.allowedOrigins, docs: identityApi.docs });
  mcpAuth.registerRoutes(app, { accounts: identityApi.accounts, orgs: identityApi.orgs, installOrgId: configOrg });
  // Hooks of coding agents ask here before their built-in tools run (docs/hooks.md). The wait
  // stays below the hook client's own timeout, so the agent always gets an answer.
  registerDecideApi(app, { authenticate, decide: (i) => decideCall(pipeline, i), maxWaitMs: 100_000, onTimeout: 'deny', logger });
  // The web console's built files, on the same port (docs/console.md).
  await registerConsole(app);
  app.addHook('onResponse', async () => metrics.sessions.set(sessions.size));
  siem.start();

  return {
    app,
    store,
    agents,
    audit,
    registry,
    metrics,
    shield,
    pins,
    policy,
    limiter,
    secrets,
    approvals,
    siem,
    compliance: reports.compliance,
    snapshots: reports.snapshots,
    decide: (input) => decideCall(pipeline, input),
    async close() {
      shuttingDown = true;
      if (taskSweep) clearInterval(taskSweep);
      // Held calls end first (their requests are marked failed), so they do not keep the grace period busy.
      await approvals?.stop();
      const deadline = Date.now() + config.limits.shutdownGrace;
      while (registry.inflight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      sessions.closeAll();
      await app.close();
      await registry.close();
      await siem.stop();
      await audit.close();
      await auditMod.stop();
      await pins?.stop();
      await orgRules?.stop();
      await reports.stop();
      await policy.stop();
      await limiter.close();
      await mcpAuth.stop();
      await agents.stop();
      await secrets.stop();
    },
  };
}
