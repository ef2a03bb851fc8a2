import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TelegramMessage {
  chat_id: string | number;
  message_id: number;
  text: string;
  reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] };
  edits: string[];
}

/**
 * A fake Telegram Bot API on 127.0.0.1 (POST /bot<token>/<method>, JSON): getMe,
 * sendMessage, editMessageText, answerCallbackQuery. It also plays Telegram's side of a
 * webhook: updates (button presses, messages) sent to FlowLink with the secret header.
 */
export async function startFakeTelegram(opts: { token: string }) {
  const messages: TelegramMessage[] = [];
  const answers: { callback_query_id: string; text?: string }[] = [];
  const replies: { chat_id: unknown; text: string }[] = [];
  let nextId = 100;
  let updateId = 1;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      if (!m || m[1] !== opts.token) return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
      const p = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      switch (m[2]) {
        case 'getMe':
          return send({ id: 999, is_bot: true, first_name: 'FlowLink', username: 'flowlink_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
        case 'sendMessage': {
          const msg: TelegramMessage = { chat_id: p.chat_id as string, message_id: nextId++, text: String(p.text), ...(p.reply_markup ? { reply_markup: p.reply_markup as TelegramMessage['reply_markup'] } : {}), edits: [] };
          if (p.reply_markup) messages.push(msg);
          else replies.push({ chat_id: p.chat_id, text: msg.text });
          return send({ message_id: msg.message_id, date: Math.floor(Date.now() / 1000), chat: { id: Number(p.chat_id) || p.chat_id, type: 'group' }, text: msg.text });
        }
        case 'editMessageText': {
          const msg = messages.find((x) => String(x.chat_id) === String(p.chat_id) && x.message_id === p.message_id);
          if (!msg) return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 400, description: 'Bad Request: message not found' }));
          msg.edits.push(String(p.text));
          return send(true);
        }
        case 'answerCallbackQuery':
          answers.push({ callback_query_id: String(p.callback_query_id), ...(p.text ? { text: String(p.text) } : {}) });
          return send(true);
        default:
          return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found: method not found' }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const from = (id: number) => ({ id, is_bot: false, first_name: 'Display Name Not Trusted' });

  async function deliver(webhookUrl: string, secret: string, update: Record<string, unknown>) {
    const res = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify({ update_id: updateId++, ...update }) });
    return res.status;
  }

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    messages,
    answers,
    replies,
    /** A button press on `message` by Telegram user `fromId`. */
    press(webhookUrl: string, secret: string, a: { message: TelegramMessage; fromId: number; data: string }) {
      const id = `cq${updateId}`;
      return deliver(webhookUrl, secret, { callback_query: { id, from: from(a.fromId), chat_instance: '1', data: a.data, message: { message_id: a.message.message_id, date: 0, chat: { id: Number(a.message.chat_id), type: 'group' }, text: a.message.text } } }).then((status) => ({ status, answer: () => answers.find((x) => x.callback_query_id === id) }));
    },
    /** A text message (e.g. `/link CODE`) from Telegram user `fromId` in a private chat. */
    sendText(webhookUrl: string, secret: string, fromId: number, text: string) {
      const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] : [];
      return deliver(webhookUrl, secret, { message: { message_id: nextId++, date: Math.floor(Date.now() / 1000), chat: { id: fromId, type: 'private' }, from: from(fromId), text, entities } });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
