import type { Stage } from '../types.ts';
import type { AgentService } from '../../identity/agents.service.ts';
import { FlowLinkError } from '../../lib/errors.ts';
import { scopeAllows } from '../../identity/scopes.ts';

/**
 * Confirms the agent's credential is still valid at the moment of the call, and that its
 * scopes include this server and tool. The edge
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
      if (ctx.identity.scopes && !scopeAllows(ctx.identity.scopes, ctx.server, ctx.tool)) {
        throw new FlowLinkError('forbidden', `the agent's token does not include tool "${ctx.tool}" on server "${ctx.server}" in its scopes`, { server: ctx.server, tool: ctx.tool });
      }
      return next();
    },
  };
}
