import type { Command } from './args.ts';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { FlowLinkError } from '../lib/errors.ts';

export const connectCommand: Command = {
  name: 'connect',
  summary: 'Bridge a stdio-only MCP client (e.g. Claude Desktop) to FlowLink',
  usage: `Usage: flowlink connect URL [--token T]

Speaks MCP on stdin/stdout and relays every message to FlowLink's Streamable HTTP
endpoint at URL (e.g. http://127.0.0.1:7420/mcp). The token may also come from the
FLOWLINK_TOKEN environment variable, which keeps it out of process listings.`,
  options: { token: { type: 'string', short: 't' } },
  async run({ values, positionals }, io) {
    const url = positionals[0];
    if (!url) throw new FlowLinkError('invalid_params', `connect needs the FlowLink URL\n\n${connectCommand.usage}`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new FlowLinkError('invalid_params', `"${url}" is not a URL`);
    }
    const token = (values.token as string | undefined) ?? io.env.FLOWLINK_TOKEN;
    if (!token) throw new FlowLinkError('invalid_params', 'an agent token is needed: --token T or FLOWLINK_TOKEN');
    const remote = new StreamableHTTPClientTransport(parsed, { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    const local = new StdioServerTransport();
    let closing = false;
    const done = new Promise<number>((resolve) => {
      const close = (code: number) => {
        if (closing) return;
        closing = true;
        void Promise.allSettled([remote.close(), local.close()]).then(() => resolve(code));
      };
      local.onmessage = (m) => {
        remote.send(m).catch((err: Error) => {
          io.stderr.write(`flowlink connect: ${err.message}\n`);
          if ('id' in m && 'method' in m) void local.send({ jsonrpc: '2.0', id: m.id, error: { code: -32000, message: `FlowLink is unreachable: ${err.message}` } } as never);
        });
      };
      remote.onmessage = (m) => {
        // Learn the negotiated version so later requests carry the MCP-Protocol-Version header.
        const r = m as { result?: { protocolVersion?: unknown } };
        if (typeof r.result?.protocolVersion === 'string') remote.setProtocolVersion(r.result.protocolVersion);
        void local.send(m);
      };
      local.onclose = () => close(0);
      remote.onerror = (err) => io.stderr.write(`flowlink connect: ${err.message}\n`);
    });
    await remote.start();
    await local.start();
    return done;
  },
};
