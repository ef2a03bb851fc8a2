import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
  auth?: { user: string; password: string };
}

/**
 * A minimal SMTP server (RFC 5321 subset: EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT,
 * DATA with dot-unstuffing, RSET, NOOP, QUIT) that records what it receives. No TLS.
 */
export async function startFakeSmtp(opts: { users?: Record<string, string> } = {}): Promise<{ port: number; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let buf = '';
    let mode: 'cmd' | 'data' | 'login-user' | 'login-pass' = 'cmd';
    let cur: ReceivedMail = { from: '', to: [], data: '' };
    let auth: { user: string; password: string } | undefined;
    let loginUser = '';
    const send = (l: string) => sock.write(l + '\r\n');
    const checkAuth = (user: string, password: string) => {
      if (opts.users && opts.users[user] === password) {
        auth = { user, password };
        send('235 2.7.0 Authentication successful');
      } else send('535 5.7.8 Authentication credentials invalid');
    };
    send('220 fake-smtp ESMTP ready');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      for (;;) {
        if (mode === 'data') {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          cur.data = buf.slice(0, end).replace(/^\.\./gm, '.');
          buf = buf.slice(end + 5);
          mails.push({ ...cur, ...(auth ? { auth } : {}) });
          cur = { from: '', to: [], data: '' };
          mode = 'cmd';
          send('250 2.0.0 queued');
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (mode === 'login-user') {
          loginUser = Buffer.from(line, 'base64').toString();
          mode = 'login-pass';
          send('334 UGFzc3dvcmQ6');
          continue;
        }
        if (mode === 'login-pass') {
          mode = 'cmd';
          checkAuth(loginUser, Buffer.from(line, 'base64').toString());
          continue;
        }
        const [verb = '', ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (verb.toUpperCase()) {
          case 'EHLO':
            send('250-fake-smtp');
            send('250-8BITMIME');
            if (opts.users) send('250-AUTH PLAIN LOGIN');
            send('250 SMTPUTF8');
            break;
          case 'HELO':
            send('250 fake-smtp');
            break;
          case 'AUTH': {
            const [mech, initial] = arg.split(' ');
            if (mech?.toUpperCase() === 'PLAIN' && initial) {
              const [, user = '', password = ''] = Buffer.from(initial, 'base64').toString().split('\0');
              checkAuth(user, password);
            } else if (mech?.toUpperCase() === 'LOGIN') {
              mode = 'login-user';
              send('334 VXNlcm5hbWU6');
            } else send('504 5.5.4 mechanism not supported');
            break;
          }
          case 'MAIL':
            if (opts.users && !auth) {
              send('530 5.7.0 Authentication required');
              break;
            }
            cur.from = /<([^>]*)>/.exec(arg)?.[1] ?? '';
            send('250 2.1.0 OK');
            break;
          case 'RCPT':
            cur.to.push(/<([^>]*)>/.exec(arg)?.[1] ?? '');
            send('250 2.1.5 OK');
            break;
          case 'DATA':
            mode = 'data';
            send('354 End data with <CR><LF>.<CR><LF>');
            break;
          case 'RSET':
            cur = { from: '', to: [], data: '' };
            send('250 OK');
            break;
          case 'NOOP':
            send('250 OK');
            break;
          case 'QUIT':
            send('221 2.0.0 bye');
            sock.end();
            return;
          default:
            send('502 5.5.2 command not implemented');
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    mails,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
