import type { ApprovalRequest } from '../approvals/approvals.types.ts';

/** How a request ended, as a channel shows it. */
export interface ApprovalOutcome {
  state: 'approved' | 'denied' | 'expired' | 'cancelled' | 'failed';
  /** Who decided (a FlowLink user's name or email, never a chat display name); absent for expiry and failures. */
  by?: string;
  reason?: string;
  scope?: 'once' | 'session';
}

/**
 * One chat or console channel that announces approval requests and shows their outcome.
 * `notify` returns a reference to what it posted (message id, ts …); the service stores it
 * with the request, so `update` can run on any instance (request.refs[channel]).
 * Implementations never throw for a channel being down: they reject, and the service logs it.
 */
export interface Notifier {
  readonly channel: 'web' | 'slack' | 'telegram';
  notify(request: ApprovalRequest, opts?: { escalatedTo?: string }): Promise<unknown>;
  update(request: ApprovalRequest, outcome: ApprovalOutcome): Promise<void>;
}

/** One line used by every chat channel, so they read alike. */
export function summary(r: ApprovalRequest): string {
  const args = JSON.stringify(r.arguments);
  return `${r.agentName} wants to call ${r.server}/${r.tool} ${args.length > 600 ? args.slice(0, 600) + '…' : args}`;
}

export function outcomeText(o: ApprovalOutcome): string {
  switch (o.state) {
    case 'approved':
      return `Approved${o.scope === 'session' ? ' for the session' : ''}${o.by ? ` by ${o.by}` : ''}`;
    case 'denied':
      return `Denied${o.by ? ` by ${o.by}` : ''}${o.reason ? `: ${o.reason}` : ''}`;
    case 'expired':
      return 'Expired without a decision (denied)';
    case 'cancelled':
      return 'Withdrawn by the agent';
    case 'failed':
      return 'Closed: the FlowLink instance holding the call stopped';
  }
}
