import type { Stage, CallContext } from '../types.ts';
import type { Shield } from '../../shield/index.ts';
import type { PinService } from '../../shield/pins.service.ts';
import type { SessionRisk } from '../../shield/session-risk.ts';

/** The key under which a session's extra risk is kept: the session, or the agent for stateless calls. */
export function riskKey(ctx: CallContext): string {
  return ctx.session.id ? `s:${ctx.session.id}` : `a:${ctx.identity.agentId}`;
}

/**
 * Judges what the call will do (commands, SQL, paths, URLs in its arguments) and records
 * the verdict, risk, reasons and targets with the call. It does not stop the call itself:
 * the decide stage combines this verdict with policy. A quarantined tool is refused here.
 */
export function createShieldStage(deps: {
  shield: Shield;
  pins: PinService;
  sessionRisk: SessionRisk;
  labels: (server: string) => Record<string, string>;
  /** The Shield compiled with the org's own rule settings (src/shield/org-rules.service.ts); default: `shield`. */
  forOrg?: ((orgId: string) => Shield | Promise<Shield>) | undefined;
}): Stage {
  return {
    name: 'shield',
    async run(ctx, next) {
      const definition = await deps.pins.check(ctx.identity.orgId, ctx.server, ctx.tool);
      const sessionRisk = deps.sessionRisk.get(riskKey(ctx));
      const shield = deps.forOrg ? await deps.forOrg(ctx.identity.orgId) : deps.shield;
      const verdict = shield.analyzeCall({
        agent: ctx.identity.agentName,
        server: ctx.server,
        tool: ctx.tool,
        arguments: ctx.arguments,
        ...(definition ? { toolSchema: { inputSchema: definition.inputSchema, ...(definition.description ? { description: definition.description } : {}) } } : {}),
        serverLabels: deps.labels(ctx.server),
        ...(sessionRisk ? { sessionRisk } : {}),
      });
      ctx.decision.shield = verdict;
      return next();
    },
  };
}
