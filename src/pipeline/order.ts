import type { Stage } from './types.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { AgentService } from '../identity/agents.service.ts';
import { createAuditStage } from './stages/audit.ts';
import { createAuthenticateStage } from './stages/authenticate.ts';
import { forwardStage } from './stages/forward.ts';

export interface PipelineDeps {
  audit: AuditWriter;
  agents: AgentService;
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
    createAuditStage(deps.audit),
    // 2. Re-check the credential on every call, so a revoked token stops open sessions too.
    createAuthenticateStage(deps.agents),
    // Last: send the call to the upstream server.
    forwardStage,
  ];
}
