import type { Stage } from './types.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { AgentService } from '../identity/agents.service.ts';
import { createAuditStage } from './stages/audit.ts';
import { createAuthenticateStage } from './stages/authenticate.ts';
import { forwardStage } from './stages/forward.ts';
import { createShieldStage } from './stages/shield.ts';
import { createRateLimitStage } from './stages/rate-limit.ts';
import { createPolicyStage } from './stages/policy.ts';
import type { RateLimiter } from '../ratelimit/limiter.ts';
import type { PolicyService } from '../policy/policy.service.ts';
import type { Thresholds } from '../shield/types.ts';
import type { Approvals } from '../approvals/wire.ts';
import { createScanResultStage } from './stages/scan-result.ts';
import type { Shield } from '../shield/index.ts';
import type { PinService } from '../shield/pins.service.ts';
import type { SessionRisk } from '../shield/session-risk.ts';

/** Secret values an agent put in its arguments are redacted from the stored record. */
function redactWith(shield: Shield) {
  return (args: Record<string, unknown>) => {
    const scan = shield.scanResult('', '', [args]);
    return scan.redactions ? (scan.content[0] as Record<string, unknown>) : args;
  };
}

export interface PipelineDeps {
  /** The inject-secrets stage (src/secrets: createSecrets(...).stage()). */
  secrets?: Stage | undefined;
  audit: AuditWriter;
  agents: AgentService;
  limiter: RateLimiter;
  policy: PolicyService;
  labels: (server: string) => Record<string, string> | undefined;
  shieldThresholds?: Thresholds | undefined;
  /** The approval queue, when configured; without it a call that needs a human is refused. */
  approvals?: Pick<Approvals, 'stage'> | undefined;
  /** Absent when Shield is disabled in the config. */
  shield?: { shield: Shield; pins: PinService; sessionRisk: SessionRisk; labels: (server: string) => Record<string, string>; injectionRisk: number; forOrg?: ((orgId: string) => Shield | Promise<Shield>) | undefined } | undefined;
}

/**
 * The only place that orders the stages of a tool call. Each position says why.
 * Later stages (rate-limit, policy, shield, approval, inject-secrets, redact) slot in
 * here without the gateway changing.
 */
export function buildPipeline(deps: PipelineDeps): Stage[] {
  return [
    // 1. Audit first: it wraps everything after it, so every outcome (denials by later
    //    stages included) is recorded, and it refuses calls while the log cannot be written.
    createAuditStage(deps.audit, deps.shield ? redactWith(deps.shield.shield) : undefined),
    // 2. Re-check the credential on every call, so a revoked token stops open sessions too.
    createAuthenticateStage(deps.agents),
    // 3. Rate limits before any costly analysis, so a flood is refused cheaply (and still audited).
    createRateLimitStage({ limiter: deps.limiter }),
    // 4. Shield judges what the call would do and records verdict, risk and targets; it
    //    comes before policy so that policies can refer to its findings.
    ...(deps.shield ? [createShieldStage(deps.shield)] : []),
    // 5. Policy decides who may do what, combines that with Shield's verdict (strictest wins;
    //    a recorded exception may waive named Shield rules) and enforces the result.
    createPolicyStage({ current: deps.policy.current, serverLabels: deps.labels, deferApprovals: deps.approvals !== undefined, ...(deps.shieldThresholds ? { shieldThresholds: deps.shieldThresholds } : {}) }),
    // 6. A human decides calls that need one; the request is bound to the hash of the exact
    //    call and shows the arguments with secret values redacted.
    ...(deps.approvals ? [deps.approvals.stage(deps.shield ? redactWith(deps.shield.shield) : undefined)] : []),
    // 7. Scan the result on its way back: innermost, so every stage above sees (and the
    //    audit log stores) only redacted output.
    ...(deps.shield ? [createScanResultStage({ shield: deps.shield.shield, sessionRisk: deps.shield.sessionRisk, audit: deps.audit, injectionRisk: deps.shield.injectionRisk })] : []),
    // 8. Inject secrets last, after every check (Shield, policy, approval) has seen only
    //    placeholders; innermost, so injected values are redacted from the result before the
    //    result scanner, the audit record or any other stage sees it.
    ...(deps.secrets ? [deps.secrets] : []),
    // Last: send the call to the upstream server.
    forwardStage,
  ];
}
