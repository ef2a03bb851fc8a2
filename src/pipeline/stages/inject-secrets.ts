import type { Stage } from '../types.ts';
import type { AuditEventInput } from '../../audit/audit.writer.ts';
import type { JsonRpcResponse } from '../../gateway/jsonrpc.ts';
import { FlowLinkError, toFlowLinkError } from '../../lib/errors.ts';
import { NAME_RE, MIN_VALUE_CHARS } from '../../secrets/secrets.types.ts';
import { findPlaceholders, fillPlaceholders, MAX_PLACEHOLDERS, type Placeholder } from '../../secrets/placeholders.ts';
import type { Resolver } from '../../secrets/resolver.ts';
import type { GrantService } from '../../secrets/grants.service.ts';
import type { UseRow } from '../../secrets/usage.repo.ts';
import type { InjectedValues } from '../../secrets/values.ts';
import type { CallFiles } from '../../secrets/call-files.ts';

export interface InjectSecretsDeps {
  resolver: Pick<Resolver, 'resolve'>;
  grants: Pick<GrantService, 'allows'>;
  /** Records each use for the usage view (list: last used, use count). */
  recordUses?: (orgId: string, uses: Omit<UseRow, 'used_at'>[]) => Promise<void>;
  values: InjectedValues;
  audit: { append(e: AuditEventInput): Promise<number> };
  /** Private per-call folders for `{{secretfile:…}}` (src/secrets/call-files.ts). */
  files: Pick<CallFiles, 'write' | 'remove'>;
}

/**
 * Puts secret values into the call at the last moment, after every check has seen only
 * placeholders: `{{secret:NAME}}` becomes the value, `{{secretfile:NAME}}` the path of a
 * mode-0600 file in a private folder removed when the call ends. Only names the agent
 * holds a grant for on this server resolve; anything else (no grant, no such secret, a
 * backend reference) gets one denial that says nothing about existence. The agent's
 * arguments are restored after the call, so the audit record keeps the placeholders,
 * and every value the org has had injected is redacted from the result and errors.
 */
export function createInjectSecretsStage(deps: InjectSecretsDeps): Stage {
  return {
    name: 'inject-secrets',
    async run(ctx, next) {
      const orgId = ctx.identity.orgId;
      // A hook's decide run executes nothing (the agent runs its own tool), so nothing is injected or used.
      if (ctx.session.protocol === 'decide') return next();
      const wanted = findPlaceholders(ctx.arguments);
      if (!wanted.length) return redactResponse(await redactErrors(next, deps, orgId), deps, orgId);
      if (wanted.length > MAX_PLACEHOLDERS) throw new FlowLinkError('invalid_params', `a call may use at most ${MAX_PLACEHOLDERS} secret placeholders`);

      const denied: string[] = [];
      const values = new Map<string, { value: string; version: number | null }>();
      for (const name of new Set(wanted.map((p) => p.name))) {
        const ok = NAME_RE.test(name) && (await deps.grants.allows(orgId, { agent: ctx.identity.agentName, labels: ctx.identity.labels, server: ctx.server, tool: ctx.tool }, name));
        const found = ok ? await deps.resolver.resolve(orgId, name) : undefined;
        if (!found || found.value.length < MIN_VALUE_CHARS) denied.push(name);
        else values.set(name, found);
      }
      if (denied.length) {
        const names = denied.map((n) => n.slice(0, 128));
        await deps.audit.append({ orgId, kind: 'secret.denied', actor: { type: 'agent', id: ctx.identity.agentId }, outcome: 'denied', data: { call_id: ctx.callId, agent_id: ctx.identity.agentId, server: ctx.server, tool: ctx.tool, names } });
        ctx.decision.secrets = { denied: names };
        throw new FlowLinkError('denied', `secret${names.length > 1 ? 's' : ''} ${names.map((n) => `"${n}"`).join(', ')} ${names.length > 1 ? 'are' : 'is'} not available to agent "${ctx.identity.agentName}" on server "${ctx.server}" (not granted, or not set)`, { secrets: names });
      }

      for (const [name, v] of values) deps.values.addForOrg(orgId, name, v.value);
      const files = wanted.some((p) => p.kind === 'secretfile') ? await deps.files.write(wanted.filter((p) => p.kind === 'secretfile').map((p) => [p.name, values.get(p.name)!.value])) : undefined;
      const used = wanted.map((p: Placeholder) => ({ name: p.name, method: p.kind === 'secret' ? ('argument' as const) : ('file' as const), version: values.get(p.name)!.version }));
      ctx.decision.secrets = { injected: used.map(({ name, method }) => ({ name, method })) };
      const original = ctx.arguments;
      try {
        // Recorded before the values leave: a use is on the record even if the call then hangs or the process dies.
        await Promise.all([
          deps.audit.append({ orgId, kind: 'secret.used', actor: { type: 'agent', id: ctx.identity.agentId }, outcome: 'success', data: { call_id: ctx.callId, agent_id: ctx.identity.agentId, server: ctx.server, tool: ctx.tool, secrets: used } }),
          deps.recordUses?.(orgId, used.map((u) => ({ name: u.name, version: u.version, method: u.method, call_id: ctx.callId, agent_id: ctx.identity.agentId, agent_name: ctx.identity.agentName, server: ctx.server, tool: ctx.tool }))),
        ]);
        ctx.arguments = fillPlaceholders(original, (kind, name) => (kind === 'secret' ? values.get(name)!.value : files!.paths.get(name)!));
        return redactResponse(await redactErrors(next, deps, orgId), deps, orgId);
      } finally {
        ctx.arguments = original;
        // The call is over (answered, failed, timed out or cancelled): its files go now, not with the session.
        if (files) await deps.files.remove(files.dir);
      }
    },
  };
}

/** Runs the rest of the pipeline; a thrown error comes back with any injected value taken out of its message and data. */
async function redactErrors(next: () => Promise<JsonRpcResponse>, deps: InjectSecretsDeps, orgId: string): Promise<JsonRpcResponse> {
  try {
    return await next();
  } catch (err) {
    const e = toFlowLinkError(err);
    const r = deps.values.forOrg(orgId);
    // No `cause`: the original error may carry the value and must not reach a logger.
    throw new FlowLinkError(e.code, r.redact(e.message), e.data ? r.redactJson(e.data) : undefined);
  }
}

function redactResponse(res: JsonRpcResponse, deps: InjectSecretsDeps, orgId: string): JsonRpcResponse {
  const r = deps.values.forOrg(orgId);
  return r.empty ? res : r.redactJson(res);
}
