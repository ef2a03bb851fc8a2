/**
 * Turns the pipeline's outcome for a hook-reported call into the decision API's answer.
 * Pure. `approval_required` (Shield or policy said a human must decide, and no approval
 * settled it) becomes "ask", so the agent's own permission prompt puts it to the user;
 * every other refusal is "deny".
 */
import type { DecideOutcome } from '../pipeline/decide.ts';

export type Decision = 'allow' | 'deny' | 'ask';

export interface DecideAnswer {
  decision: Decision;
  reason: string;
  risk: number | null;
  rule: string | null;
  /** The error code when the call was refused (denied, approval_required, rate_limited, ...). */
  code: string | null;
}

interface ShieldPart {
  verdict?: string;
  risk?: number;
  reasons?: Array<{ rule?: string; message?: string }>;
}

export function answerFor(outcome: DecideOutcome): DecideAnswer {
  const shield = outcome.decision.shield as ShieldPart | undefined;
  const policy = outcome.decision.policy as { rule?: string | null } | undefined;
  const risk = typeof shield?.risk === 'number' ? shield.risk : null;
  const data = outcome.error?.data as { rule?: string | null } | undefined;
  const rule = data?.rule ?? policy?.rule ?? shield?.reasons?.[0]?.rule ?? null;
  if (outcome.allowed) {
    const top = shield?.reasons?.[0];
    const why = top ? `; noted: ${top.rule}` : '';
    return { decision: 'allow', reason: `Allowed by FlowLink${risk !== null ? ` (risk ${risk}${why})` : ''}`, risk, rule, code: null };
  }
  const code = outcome.error?.code ?? 'denied';
  const raw = outcome.error?.message ?? 'denied';
  const message = /FlowLink/.test(raw) ? raw : `FlowLink: ${raw}`;
  if (code === 'approval_required') return { decision: 'ask', reason: `${message.replace(/ No approval channel is configured, so the call was not run\.$/, '')}`, risk, rule, code };
  return { decision: 'deny', reason: message, risk, rule, code };
}

/** The answer when the approval wait ran out before a human decided. */
export function timedOut(onTimeout: 'ask' | 'deny', waitedMs: number): DecideAnswer {
  const reason = `FlowLink: no approval arrived within ${Math.round(waitedMs / 1000)} s`;
  return onTimeout === 'ask'
    ? { decision: 'ask', reason: `${reason}; asking here instead`, risk: null, rule: null, code: 'approval_timeout' }
    : { decision: 'deny', reason: `${reason}, so the call was denied`, risk: null, rule: null, code: 'approval_timeout' };
}
