import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/** An SDK v2 client connected to a FlowLink URL; `modern` selects the stateless 2026-07-28 revision. */
export async function connectClient(url: string, token: string, opts: { modern?: boolean; capabilities?: Record<string, unknown> } = {}) {
  const client = new Client(
    { name: 'flowlink-test', version: '1.0.0' },
    { capabilities: opts.capabilities ?? {}, ...(opts.modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}) } as never,
  );
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  return { client, transport, async close() { await transport.terminateSession().catch(() => {}); await client.close(); } };
}
