import { Bot } from 'grammy';
import type { Notifier } from '../notifier.ts';
import { outcomeText, summary } from '../notifier.ts';
import type { ApprovalAction } from '../../approvals/approvals.types.ts';

export interface TelegramConfig {
  token: string;
  chatId: string | number;
  /** Base URL of the Bot API (a fake in tests). */
  apiRoot?: string | undefined;
  escalationChatId?: string | number | undefined;
}

/** callback_data is at most 64 bytes: one letter for the action, then the request id. */
const CODES: Record<string, ApprovalAction> = { a: 'approve', s: 'approve_session', d: 'deny', w: 'always_allow' };

export function parseCallbackData(data: string): { action: ApprovalAction; requestId: string } | undefined {
  const m = /^([asdw]):(apr_[A-Za-z0-9_-]{1,40})$/.exec(data);
  return m ? { action: CODES[m[1]!]!, requestId: m[2]! } : undefined;
}

export interface TelegramHandlers {
  /** A button press by Telegram user `fromId` (a number Telegram vouches for, never a display name); returns the text shown to them. */
  onDecision(fromId: string, action: ApprovalAction, requestId: string): Promise<string>;
  /** `/link CODE` (or `/start CODE`) sent to the bot; returns the reply. */
  onLink(fromId: string, code: string): Promise<string>;
}

/** The bot (grammy) that posts requests and receives button presses through the webhook. */
export function createTelegramBot(cfg: TelegramConfig) {
  const bot = new Bot(cfg.token, cfg.apiRoot ? { client: { apiRoot: cfg.apiRoot } } : {});
  let ready: Promise<void> | undefined;
  let handlers: TelegramHandlers | undefined;

  bot.on('callback_query:data', async (ctx) => {
    const parsed = parseCallbackData(ctx.callbackQuery.data);
    const text = !parsed || !handlers ? 'Unknown action' : await handlers.onDecision(String(ctx.from.id), parsed.action, parsed.requestId);
    await ctx.answerCallbackQuery({ text: text.slice(0, 200) });
  });
  bot.command(['link', 'start'], async (ctx) => {
    const code = ctx.match.trim();
    if (!code || !handlers || !ctx.from) return;
    await ctx.reply(await handlers.onLink(String(ctx.from.id), code));
  });

  const notifier: Notifier = {
    channel: 'telegram',
    async notify(r, opts) {
      const head = `${opts?.escalatedTo ? `Escalated to ${opts.escalatedTo}. ` : ''}Approval needed (${r.id})`;
      const lines = [head, summary(r), r.risk !== null ? `Shield risk ${r.risk}: ${r.reasons.map((x) => x.rule).join(', ')}` : '', r.policyRule ? `Policy rule: ${r.policyRule}` : '', `Expires ${r.expiresAt}`];
      const m = await bot.api.sendMessage((opts?.escalatedTo && cfg.escalationChatId) || cfg.chatId, lines.filter(Boolean).join('\n'), {
        reply_markup: {
          inline_keyboard: [
            [{ text: 'Approve once', callback_data: `a:${r.id}` }, { text: 'Approve for session', callback_data: `s:${r.id}` }],
            [{ text: 'Deny', callback_data: `d:${r.id}` }, { text: 'Always allow (suggest rule)', callback_data: `w:${r.id}` }],
          ],
        },
      });
      return { chat_id: m.chat.id, message_id: m.message_id };
    },
    async update(r, outcome) {
      const text = `${outcomeText(outcome)} — ${summary(r)} (${r.id})`;
      for (const key of ['telegram', 'telegram.escalation']) {
        const ref = r.refs[key] as { chat_id?: number | string; message_id?: number } | undefined;
        if (ref?.chat_id !== undefined && ref.message_id !== undefined) await bot.api.editMessageText(ref.chat_id, ref.message_id, text);
      }
    },
  };

  return {
    bot,
    notifier,
    setHandlers(h: TelegramHandlers) {
      handlers = h;
    },
    /** Feeds one webhook update to the bot (fetches the bot's identity once, on first use). */
    async handleUpdate(update: unknown): Promise<void> {
      ready ??= bot.init().catch((err: unknown) => {
        ready = undefined;
        throw err;
      });
      await ready;
      await bot.handleUpdate(update as never);
    },
  };
}

export type TelegramBot = ReturnType<typeof createTelegramBot>;
