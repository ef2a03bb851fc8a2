import { hostname } from 'node:os';
import type { SiemEvent, SiemSink } from '../siem.types.ts';
import { toCef } from '../formats/cef.ts';
import { octetFrame, toRfc5424, type SyslogHeader } from '../formats/syslog.ts';
import { createSyslogTransport } from '../transports/syslog.ts';
import type { SinkBase } from './common.ts';

/** Syslog (RFC 5424) with a CEF payload over TCP or TLS (octet-counting framing) or UDP. */
export function createSyslogSink(o: SinkBase & { host: string; port: number; protocol: 'tcp' | 'tls' | 'udp'; ca?: string | undefined; facility?: number; appName?: string; hostname?: string | undefined }): SiemSink {
  const transport = createSyslogTransport({ sink: `syslog ${o.id}`, host: o.host, port: o.port, protocol: o.protocol, ca: o.ca, timeoutMs: o.timeoutMs ?? 10_000 });
  const header: SyslogHeader = { facility: o.facility ?? 13, hostname: o.hostname ?? hostname(), appName: o.appName ?? 'flowlink', procId: String(process.pid) };
  return {
    id: o.id,
    type: 'syslog',
    filter: o.filter,
    batchSize: o.batchSize,
    acknowledged: o.protocol !== 'udp',
    target: `${o.protocol}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`,
    send: (events: readonly SiemEvent[]) => transport.send(events.map((e) => toRfc5424(e, header, toCef(e))), octetFrame),
    close: () => transport.close(),
  };
}
