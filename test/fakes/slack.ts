import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSignature } from '../../src/notifiers/slack/signature.ts';

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: { type: string; elements?: { action_id: string; value: string }[] }[];
  updates: { text: string }[];
}

/**
 * A fake Slack Web API on 127.0.0.1 speaking the subset FlowLink uses (chat.postMessage,
 * chat.update, form or JSON bodies, bearer token), and playing Slack's side of an
 * interaction: a signed block_actions callback to FlowLink.
 */
export async function startFakeSlack(opts: { token: string; signingSecret: string }) {
  const messages: SlackMessage[] = [];
  let seq = 1;
  let badTokens = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (o: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o));
      if (req.headers.authorization !== `Bearer ${opts.token}`) {
        badTokens++;
        return send({ ok: false, error: 'invalid_auth' });
      }
      const p: Record<string, unknown> = String(req.headers['content-type']).includes('json') ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body));
      const blocks = typeof p.blocks === 'string' ? JSON.parse(p.blocks) : (p.blocks ?? []);
      const method = req.url?.replace(/^\/api\//, '');
      if (method === 'chat.postMessage') {
        const m: SlackMessage = { channel: String(p.channel), ts: `1700000000.${String(seq++).padStart(6, '0')}`, text: String(p.text ?? ''), blocks, updates: [] };
        messages.push(m);
        return send({ ok: true, channel: m.channel, ts: m.ts, message: { text: m.text } });
      }
      if (method === 'chat.update') {
        const m = messages.find((x) => x.channel === p.channel && x.ts === p.ts);
        if (!m) return send({ ok: false, error: 'message_not_found' });
        m.updates.push({ text: String(p.text ?? '') });
        return send({ ok: true, channel: m.channel, ts: m.ts });
      }
      send({ ok: false, error: 'unknown_method' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  /** Sends what Slack sends when `slackUserId` clicks a button, signed (or forged with another secret). */
  async function click(url: string, a: { message: SlackMessage; slackUserId: string; actionId: string; secret?: string; timestamp?: number; value?: string }) {
    const button = a.message.blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === a.actionId)!;
    const payload = { type: 'block_actions', user: { id: a.slackUserId, username: 'display-name-is-not-trusted' }, team: { id: 'T0001' }, actions: [{ action_id: a.actionId, value: a.value ?? button.value }], container: { channel_id: a.message.channel, message_ts: a.message.ts } };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const ts = String(a.timestamp ?? Math.floor(Date.now() / 1000));
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(a.secret ?? opts.signingSecret, ts, body) },
      body,
    });
    return { status: res.status, body: (await res.json()) as { text?: string; ok?: boolean; error?: { code: string } } };
  }

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    messages,
    click,
    get badTokens() {
      return badTokens;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
