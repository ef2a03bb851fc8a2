/**
 * Tool visibility: `tools/list` shows an agent only the tools it could ever be allowed
 * to call. A tool is hidden when, in evaluation order, an unconditional deny is reached
 * before any allow or approve that could apply, or when nothing could allow it and the
 * default posture is deny. Conditions (arguments, Shield, time) are unknown at list
 * time, so a conditional allow keeps a tool visible and a conditional deny does not hide it.
 */
import { agentGroups, posture, scopeMiss, type CompiledPolicy } from './compile.ts';

export interface VisibilityInput {
  org: string;
  orgName?: string | undefined;
  agent: string;
  agentLabels?: Record<string, string> | undefined;
  server: string;
  serverLabels?: Record<string, string> | undefined;
  tools: readonly string[];
}

export interface ToolVisibility {
  tool: string;
  visible: boolean;
  /** The rule that hides or may allow it; undefined when the default posture decided. */
  rule?: string | undefined;
  why: string;
}

export function toolVisibility(c: CompiledPolicy, input: VisibilityInput): ToolVisibility[] {
  let groups: Set<string> | undefined;
  const groupsOf = () => (groups ??= agentGroups(c, input.agent, input.agentLabels));
  const fallback = posture(c, input);
  return input.tools.map((tool): ToolVisibility => {
    const scope = { ...input, tool };
    for (const r of c.candidates(input.server, tool)) {
      if (r.effect === 'audit' || scopeMiss(c, r, scope, groupsOf, true) !== undefined) continue;
      if (r.effect === 'allow' || r.effect === 'approve') return { tool, visible: true, rule: r.id, why: `may be allowed by "${r.id}"` };
      if (r.conditions.length === 0) return { tool, visible: false, rule: r.id, why: `denied by policy "${r.id}"` };
    }
    return { tool, visible: fallback.value === 'allow', why: fallback.why };
  });
}

/** The tools this agent could ever be allowed to call on this server. */
export function visibleTools(c: CompiledPolicy, input: VisibilityInput): string[] {
  return toolVisibility(c, input).filter((t) => t.visible).map((t) => t.tool);
}
