import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSyslogTransport } from '../../src/siem/transports/syslog.ts';
import { octetFrame } from '../../src/siem/formats/syslog.ts';
import { createWebhookSink } from '../../src/siem/sinks/index.ts';
import { SinkError } from '../../src/siem/siem.types.ts';

// Receivers that accept a connection and then never answer must not hold delivery forever.

test('a syslog receiver that stops reading: the write fails after the timeout, and the next send reconnects', async () => {
  const sockets: Socket[] = [];
  let connections = 0;
  const server = createTcpServer((s) => {
    connections++;
    sockets.push(s);
    s.on('error', () => {});
    s.pause(); // never reads: the kernel buffers fill up and the writer waits
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  const t = createSyslogTransport({ sink: 'syslog stall', host: '127.0.0.1', port, protocol: 'tcp', timeoutMs: 300 });
  try {
    const big = 'x'.repeat(1024 * 1024);
    const err = await t.send(Array.from({ length: 64 }, () => big), octetFrame).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SinkError, `the send failed: ${String(err)}`);
    assert.match(err.message, /^syslog stall: tcp (timed out|connection failed \((ECONNRESET|ERR_STREAM_DESTROYED)\))/);
    assert.equal(err.retryable, true);
    await t.send(['<110>1 - - - - - - x'], octetFrame).catch(() => {});
    assert.equal(connections, 2, 'a new connection for the next send');
  } finally {
    await t.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('an HTTP receiver that never answers: the send fails with "timed out", naming the sink and not the URL', async () => {
  const server = createHttpServer(() => {
    // never answers
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  try {
    const sink = createWebhookSink({ id: 'slow', url: `http://127.0.0.1:${port}/in?token=url-secret`, secret: 'k-secret', timeoutMs: 200 });
    const err = await sink.send([]).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SinkError);
    assert.equal(err.message, 'webhook slow: timed out');
    assert.equal(err.retryable, true);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
