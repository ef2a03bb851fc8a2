import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { SinkError } from '../siem.types.ts';

export interface SyslogTransportOptions {
  sink: string;
  host: string;
  port: number;
  protocol: 'tcp' | 'tls' | 'udp';
  /** PEM of the CA(s) that signed the receiver's certificate (TLS); the system store otherwise. */
  ca?: string | undefined;
  timeoutMs: number;
}

/** Largest datagram FlowLink sends over UDP (RFC 5426 asks receivers for at least 2048; IPv4 allows 65507). */
export const UDP_MAX_BYTES = 65_000;

/**
 * Sends syslog messages. TCP and TLS keep one connection and frame each message with
 * octet counting; a connection that failed or was closed by the receiver is replaced on
 * the next send. "Sent" means handed to the kernel: syslog has no acknowledgement, so a
 * receiver that dies with unread data loses it (use HEC or a webhook when that matters).
 * UDP sends one message per datagram and cannot notice a receiver that is down.
 */
export function createSyslogTransport(o: SyslogTransportOptions) {
  let sock: Socket | undefined;
  let udp: UdpSocket | undefined;

  function fail(err: unknown): SinkError {
    const code = (err as { code?: string }).code;
    return new SinkError(`${o.sink}: ${o.protocol} ${code === 'ETIMEDOUT' ? 'timed out' : code ? `connection failed (${code})` : ((err as Error).message ?? 'connection failed').slice(0, 200)}`);
  }

  function open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const opts = { host: o.host, port: o.port };
      const s =
        o.protocol === 'tls'
          ? tlsConnect({ ...opts, ...(o.ca ? { ca: o.ca } : {}), ...(isIP(o.host) ? {} : { servername: o.host }), rejectUnauthorized: true }, () => done())
          : tcpConnect(opts, () => done());
      s.setTimeout(o.timeoutMs, () => s.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      const onError = (err: Error) => reject(fail(err));
      s.once('error', onError);
      function done() {
        s.off('error', onError);
        s.setTimeout(0);
        s.setKeepAlive(true, 30_000);
        // Anything the receiver closes or breaks makes this connection unusable; the next send reconnects.
        const drop = () => {
          if (sock === s) sock = undefined;
          s.destroy();
        };
        s.on('error', drop);
        s.on('end', drop);
        s.on('close', drop);
        s.resume();
        resolve(s);
      }
    });
  }

  async function sendStream(frames: readonly string[]): Promise<void> {
    const s = sock && !sock.destroyed ? sock : (sock = await open());
    await new Promise<void>((resolve, reject) => {
      // Settled once: a destroyed socket may still call the write callback without an error.
      let done = false;
      const settle = (err?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        s.off('close', onClose);
        if (err) reject(fail(err));
        else resolve();
      };
      const onClose = () => settle(Object.assign(new Error('closed by the receiver'), { code: 'ECONNRESET' }));
      // A receiver that stopped reading would hold the write (and the delivery pass) forever.
      const timer = setTimeout(() => {
        settle(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
        s.destroy();
      }, o.timeoutMs);
      s.once('close', onClose);
      s.write(frames.join(''), (err) => settle(err ?? undefined));
    });
  }

  async function sendUdp(messages: readonly string[]): Promise<void> {
    udp ??= createSocket(isIP(o.host) === 6 ? 'udp6' : 'udp4');
    for (const m of messages) {
      const buf = Buffer.from(m, 'utf8');
      if (buf.length > UDP_MAX_BYTES) throw new SinkError(`${o.sink}: a message of ${buf.length} bytes is too large for UDP (max ${UDP_MAX_BYTES})`, false);
      await new Promise<void>((resolve, reject) => udp!.send(buf, o.port, o.host, (err) => (err ? reject(fail(err)) : resolve())));
    }
  }

  return {
    /** `messages` are complete RFC 5424 messages; framing is added here for streams. */
    send(messages: readonly string[], frame: (m: string) => string): Promise<void> {
      return o.protocol === 'udp' ? sendUdp(messages) : sendStream(messages.map(frame));
    },
    async close(): Promise<void> {
      sock?.destroy();
      sock = undefined;
      if (udp) await new Promise<void>((r) => udp!.close(() => r()));
      udp = undefined;
    },
  };
}
