import type { Stage } from '../types.ts';
import type { AgentService } from '../../identity/agents.service.ts';
import { FlowLinkError } from '../../lib/errors.ts';

/**
 * Confirms the agent's credential is still valid at the moment of the call. The edge
 * authenticated the HTTP request already; this catches tokens revoked since the session
 * opened (WebSocket and SSE sessions outlive a single request).
 */
export function createAuthenticateStage(agents: AgentService): Stage {
  return {
    name: 'authenticate',
    async run(ctx, next) {
      if (ctx.tokenHash !== undefined && !(await agents.isLive(ctx.tokenHash))) {
        throw new FlowLinkError('unauthorized', 'the agent token was revoked or has expired');
      }
      return next();
    },
  };
}
