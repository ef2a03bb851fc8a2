import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** FlowLink's Prometheus metrics, one registry per instance (tests run several in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'flowlink_process_' });
  const calls = new Counter({ name: 'flowlink_tool_calls_total', help: 'Tool calls by server, tool and outcome (ok, tool_error, error)', labelNames: ['server', 'tool', 'outcome'], registers: [registry] });
  const latency = new Histogram({
    name: 'flowlink_tool_call_duration_seconds',
    help: 'Tool call duration through FlowLink, pipeline included',
    labelNames: ['server', 'tool'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const sessions = new Gauge({ name: 'flowlink_agent_sessions', help: 'Open agent sessions (session-based protocol era)', registers: [registry] });
  const upstreamUp = new Gauge({ name: 'flowlink_upstream_ready', help: '1 when the upstream server connection is ready', labelNames: ['server'], registers: [registry] });
  const auditHealthy = new Gauge({ name: 'flowlink_audit_healthy', help: '1 while the audit log can be written; calls are refused at 0', registers: [registry] });
  const auditFailures = new Counter({ name: 'flowlink_audit_write_failures_total', help: 'Audit writes that failed (each failed the call)', registers: [registry] });
  const rateLimitBackendUp = new Gauge({ name: 'flowlink_ratelimit_backend_up', help: '1 while the rate-limit backend (memory or Redis) answers; when 0, calls fail closed unless configured otherwise', registers: [registry] });
  auditHealthy.set(1);
  rateLimitBackendUp.set(1);
  return {
    registry,
    recordCall(server: string, tool: string, ms: number, outcome: string) {
      calls.inc({ server, tool, outcome });
      latency.observe({ server, tool }, ms / 1000);
    },
    sessions,
    upstreamUp,
    rateLimitBackendUp,
    auditHealth(healthy: boolean) {
      auditHealthy.set(healthy ? 1 : 0);
      if (!healthy) auditFailures.inc();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
