import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { ReceivedEvent } from './http-receiver.ts';

export interface ParsedSyslog {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: { id: string; params: Record<string, string> }[];
  msg: string;
}

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$/;
const HEADER_TOKEN = /^[\x21-\x7e]+$/;

/** Parses one RFC 5424 message strictly; throws naming what is wrong. */
export function parseRfc5424(text: string): ParsedSyslog {
  const m = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(text);
  if (!m) throw new Error('not an RFC 5424 header');
  const pri = Number(m[1]);
  if (pri > 191) throw new Error(`PRI ${pri} is out of range`);
  if (m[2] !== '1') throw new Error(`VERSION ${m[2]} is not 1`);
  if (!TS.test(m[3]!) || Number.isNaN(Date.parse(m[3]!))) throw new Error(`TIMESTAMP ${m[3]} is not RFC 3339`);
  const [hostname, appName, procId, msgId] = [m[4]!, m[5]!, m[6]!, m[7]!];
  if (hostname.length > 255 || appName.length > 48 || procId.length > 128 || msgId.length > 32) throw new Error('a header field is too long');
  for (const t of [hostname, appName, procId, msgId]) if (!HEADER_TOKEN.test(t)) throw new Error('a header field has a character outside PRINTUSASCII');
  let rest = text.slice(m[0].length);
  const sd: ParsedSyslog['sd'] = [];
  if (rest.startsWith('-')) rest = rest.slice(1);
  else {
    while (rest.startsWith('[')) {
      const idm = /^\[([^ =\]"]{1,32})/.exec(rest);
      if (!idm) throw new Error('bad SD-ID');
      let i = idm[0].length;
      const params: Record<string, string> = {};
      while (rest[i] === ' ') {
        const pm = /^ ([^ =\]"]{1,32})="/.exec(rest.slice(i));
        if (!pm) throw new Error('bad SD-PARAM');
        i += pm[0].length;
        let v = '';
        while (i < rest.length && rest[i] !== '"') {
          if (rest[i] === '\\' && ['"', '\\', ']'].includes(rest[i + 1]!)) i++;
          else if (rest[i] === ']') throw new Error('unescaped "]" in a PARAM-VALUE');
          v += rest[i++];
        }
        if (rest[i] !== '"') throw new Error('unterminated PARAM-VALUE');
        i++;
        params[pm[1]!] = v;
      }
      if (rest[i] !== ']') throw new Error('unterminated SD-ELEMENT');
      sd.push({ id: idm[1]!, params });
      rest = rest.slice(i + 1);
    }
    if (!sd.length) throw new Error('STRUCTURED-DATA is neither "-" nor an element');
  }
  if (rest.length && !rest.startsWith(' ')) throw new Error('no space before MSG');
  return { pri, version: 1, timestamp: m[3]!, hostname, appName, procId, msgId, sd, msg: rest.slice(1) };
}

/** Parses a CEF:0 line: seven header fields (with \| and \\ escapes) and the key=value extension. */
export function parseCef(line: string): { header: string[]; ext: Record<string, string> } {
  if (!line.startsWith('CEF:0|')) throw new Error('MSG is not CEF:0');
  const header: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < line.length && header.length < 7; i++) {
    const c = line[i]!;
    if (c === '\\' && (line[i + 1] === '|' || line[i + 1] === '\\')) cur += line[++i];
    else if (c === '|') (header.push(cur), (cur = ''));
    else cur += c;
  }
  if (header.length !== 7) throw new Error('CEF header has fewer than 8 fields');
  const extText = line.slice(i);
  const ext: Record<string, string> = {};
  // Keys are word characters followed by an unescaped "="; a value runs to the next " key=".
  const re = /(?:^| )([A-Za-z0-9_]+)=((?:\\.|[^\\])*?)(?= [A-Za-z0-9_]+=|$)/g;
  for (const m of extText.matchAll(re)) {
    if (/(^|[^\\])=/.test(m[2]!.replace(/\\\\/g, ''))) throw new Error(`unescaped "=" in the value of ${m[1]}`);
    ext[m[1]!] = m[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  }
  return { header, ext };
}

/**
 * A fake syslog receiver on 127.0.0.1 over TCP or TLS (octet-counting framing, RFC 6587 /
 * RFC 5425) or UDP (one message per datagram, RFC 5426). Every message is parsed strictly as
 * RFC 5424 with a CEF payload; a bad frame or message is recorded in `errors` (and closes
 * a stream connection, as receivers do). `stop`/`restart` refuse connections in between.
 */
export async function startFakeSyslog(protocol: 'tcp' | 'tls' | 'udp', tls?: { key: string; cert: string }) {
  const received: ReceivedEvent[] = [];
  const messages: ParsedSyslog[] = [];
  const errors: string[] = [];
  function accept(text: string) {
    try {
      const p = parseRfc5424(text);
      const { header, ext } = parseCef(p.msg);
      const sd = p.sd.find((s) => s.id === 'flowlink@32473');
      if (!sd || sd.params.id !== ext.externalId) throw new Error('structured data and CEF disagree on the event id');
      if (header[4] !== p.msgId) throw new Error('MSGID is not the CEF signature id');
      messages.push(p);
      received.push({ id: ext.externalId!, seq: Number(ext.cn1), kind: ext.cat!, org_id: ext.cs1!, raw: { syslog: p, cef: { header, ext } } });
    } catch (err) {
      errors.push((err as Error).message);
      throw err;
    }
  }
  function onStream(sock: Socket) {
    let buf = Buffer.alloc(0);
    sock.on('error', () => {});
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) return;
        const lenText = buf.subarray(0, sp).toString('latin1');
        if (!/^[1-9]\d{0,8}$/.test(lenText)) {
          errors.push(`bad octet count "${lenText.slice(0, 20)}"`);
          return void sock.destroy();
        }
        const len = Number(lenText);
        if (buf.length < sp + 1 + len) return;
        const msg = buf.subarray(sp + 1, sp + 1 + len).toString('utf8');
        buf = buf.subarray(sp + 1 + len);
        try {
          accept(msg);
        } catch {
          return void sock.destroy();
        }
      }
    });
  }
  let port = 0;
  let server: Server | undefined;
  let udp: ReturnType<typeof createSocket> | undefined;
  const sockets = new Set<Socket>();
  async function listen() {
    if (protocol === 'udp') {
      udp = createSocket('udp4');
      udp.on('message', (m) => {
        try {
          accept(m.toString('utf8'));
        } catch {
          // recorded in errors
        }
      });
      await new Promise<void>((r) => udp!.bind(port, '127.0.0.1', () => r()));
      port = udp.address().port;
      return;
    }
    const onConn = (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      onStream(s);
    };
    server = protocol === 'tls' ? createTlsServer({ key: tls!.key, cert: tls!.cert }, onConn) : createTcpServer(onConn);
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  }
  async function stop() {
    if (udp) {
      const u = udp;
      udp = undefined;
      await new Promise<void>((r) => u.close(() => r()));
    }
    if (server) {
      const s = server;
      server = undefined;
      for (const c of sockets) c.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
  await listen();
  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    received,
    messages,
    errors,
    stop,
    restart: listen,
    close: stop,
  };
}
