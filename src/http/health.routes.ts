import type { FastifyInstance } from 'fastify';
import type { Registry } from '../gateway/registry.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { Metrics } from './metrics.ts';

/** /healthz (liveness plus what an operator wants at a glance) and /metrics (Prometheus). */
export function registerHealth(app: FastifyInstance, deps: { registry: Registry; audit: AuditWriter; metrics: Metrics; sessions: () => number }) {
  app.get('/healthz', async (_req, reply) => {
    const ok = deps.audit.healthy;
    return reply.status(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'degraded',
      audit: ok ? 'ok' : 'failing: calls are refused',
      sessions: deps.sessions(),
      servers: deps.registry.status().map((s) => ({ name: s.name, kind: s.kind, mode: s.mode, state: s.state, restarts: s.restarts, inflight: s.inflight, lastError: s.lastError })),
    });
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
