import { WebClient } from '@slack/web-api';
import type { Notifier } from '../notifier.ts';
import { outcomeText, summary } from '../notifier.ts';
import type { ApprovalAction } from '../../approvals/approvals.types.ts';

export interface SlackNotifierConfig {
  token: string;
  channel: string;
  /** Base URL of the Web API, ending in /api/ (a fake in tests). */
  apiUrl?: string | undefined;
  escalationChannel?: string | undefined;
}

const ACTIONS: { id: ApprovalAction; text: string; style?: 'primary' | 'danger' }[] = [
  { id: 'approve', text: 'Approve once', style: 'primary' },
  { id: 'approve_session', text: 'Approve for session' },
  { id: 'deny', text: 'Deny', style: 'danger' },
  { id: 'always_allow', text: 'Always allow (suggest rule)' },
];

/** What a button carries: the request and the hash of the call it shows, so a click cannot approve another call. */
export function buttonValue(requestId: string, callHash: string): string {
  return `${requestId}|${callHash}`;
}

export interface SlackClick {
  slackUserId: string;
  teamId: string | undefined;
  action: ApprovalAction;
  requestId: string;
  callHash: string;
}

/** Reads a block_actions interaction payload (form field `payload`); undefined if it is not one of our buttons. */
export function parseSlackInteraction(rawBody: string): SlackClick | undefined {
  const payload = new URLSearchParams(rawBody).get('payload');
  if (!payload || payload.length > 100_000) return undefined;
  let p: { type?: string; user?: { id?: unknown }; team?: { id?: unknown }; actions?: { action_id?: unknown; value?: unknown }[] };
  try {
    p = JSON.parse(payload) as typeof p;
  } catch {
    return undefined;
  }
  const a = p.actions?.[0];
  const action = ACTIONS.find((x) => x.id === a?.action_id)?.id;
  const [requestId, hash] = typeof a?.value === 'string' ? a.value.split('|') : [];
  if (p.type !== 'block_actions' || typeof p.user?.id !== 'string' || !action || !requestId || !hash) return undefined;
  return { slackUserId: p.user.id, teamId: typeof p.team?.id === 'string' ? p.team.id : undefined, action, requestId, callHash: hash };
}

/** Slack channel: a message with buttons per request, rewritten with the outcome (chat.postMessage / chat.update). */
export function createSlackNotifier(cfg: SlackNotifierConfig): Notifier {
  const client = new WebClient(cfg.token, { ...(cfg.apiUrl ? { slackApiUrl: cfg.apiUrl.endsWith('/') ? cfg.apiUrl : cfg.apiUrl + '/' } : {}), retryConfig: { retries: 1 } });
  return {
    channel: 'slack',
    async notify(r, opts) {
      const head = `${opts?.escalatedTo ? `:rotating_light: Escalated to ${opts.escalatedTo}. ` : ''}Approval needed (${r.id})`;
      const detail = [
        summary(r),
        r.risk !== null ? `Shield risk ${r.risk}: ${r.reasons.map((x) => x.rule).join(', ') || 'no reasons'}` : '',
        r.policyRule ? `Policy rule: ${r.policyRule}` : '',
        r.requiredApprovals > 1 ? `Needs ${r.requiredApprovals} approvals` : '',
        `Expires ${r.expiresAt}`,
      ].filter(Boolean).join('\n');
      const res = await client.chat.postMessage({
        channel: (opts?.escalatedTo && cfg.escalationChannel) || cfg.channel,
        text: `${head}: ${summary(r)}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*${head}*\n${detail}` } },
          { type: 'actions', block_id: `approval:${r.id}`, elements: ACTIONS.map((a) => ({ type: 'button', action_id: a.id, text: { type: 'plain_text', text: a.text }, value: buttonValue(r.id, r.callHash), ...(a.style ? { style: a.style } : {}) })) },
        ],
      });
      return { channel: res.channel, ts: res.ts };
    },
    async update(r, outcome) {
      const text = `${outcomeText(outcome)} — ${summary(r)} (${r.id})`;
      for (const key of ['slack', 'slack.escalation']) {
        const ref = r.refs[key] as { channel?: string; ts?: string } | undefined;
        if (ref?.channel && ref.ts) await client.chat.update({ channel: ref.channel, ts: ref.ts, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
      }
    },
  };
}
