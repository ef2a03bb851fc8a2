import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from './args.ts';
import { print } from './args.ts';
import { resolveConfig } from './context.ts';
import { FlowLinkError } from '../lib/errors.ts';

const CLIENTS = ['claude-code', 'cursor', 'vscode', 'windsurf', 'claude-desktop'] as const;

export const setupCommand: Command = {
  name: 'setup',
  summary: 'Print the exact client configuration to reach this FlowLink',
  usage: `Usage: flowlink setup <${CLIENTS.join('|')}> [--url URL] [--token T] [--name NAME] [--json]

Prints the command or config snippet for the client. The URL defaults to this
FlowLink's /mcp endpoint; the token defaults to the demo agent's when running the demo.`,
  options: { url: { type: 'string' }, token: { type: 'string' }, name: { type: 'string' }, config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    const client = positionals[0] as (typeof CLIENTS)[number] | undefined;
    if (!client || !CLIENTS.includes(client)) throw new FlowLinkError('invalid_params', `unknown client "${client ?? ''}"\n\n${setupCommand.usage}`);
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const host = loaded.config.listen.host === '0.0.0.0' ? '127.0.0.1' : loaded.config.listen.host;
    const url = (values.url as string | undefined) ?? `http://${host}:${loaded.config.listen.port}/mcp`;
    const name = (values.name as string | undefined) ?? 'flowlink';
    let token = values.token as string | undefined;
    if (!token && loaded.demo) {
      const f = resolve(loaded.baseDir, loaded.config.store.data, 'demo-agent-token');
      if (existsSync(f)) token = readFileSync(f, 'utf8').trim();
    }
    const tok = token ?? '<agent token: flowlink agent create NAME>';
    const headers = { Authorization: `Bearer ${tok}` };
    let snippet: { file?: string; command?: string; json?: unknown };
    switch (client) {
      case 'claude-code':
        snippet = { command: `claude mcp add --transport http ${name} ${url} --header "Authorization: Bearer ${tok}"`, file: '.mcp.json', json: { mcpServers: { [name]: { type: 'http', url, headers } } } };
        break;
      case 'cursor':
        snippet = { file: '~/.cursor/mcp.json (or .cursor/mcp.json in a project)', json: { mcpServers: { [name]: { url, headers } } } };
        break;
      case 'vscode':
        snippet = { file: '.vscode/mcp.json', json: { servers: { [name]: { type: 'http', url, headers } } } };
        break;
      case 'windsurf':
        snippet = { file: '~/.codeium/windsurf/mcp_config.json', json: { mcpServers: { [name]: { serverUrl: url, headers } } } };
        break;
      case 'claude-desktop':
        snippet = { file: 'claude_desktop_config.json', json: { mcpServers: { [name]: { command: 'npx', args: ['flowlink', 'connect', url], env: { FLOWLINK_TOKEN: tok } } } } };
        break;
    }
    if (values.json) return print(io, JSON.stringify({ client, url, ...snippet })), 0;
    const out: string[] = [];
    if (snippet.command) out.push('Run:', `  ${snippet.command}`, '', 'or add to ' + snippet.file + ':');
    else out.push(`Add to ${snippet.file}:`);
    out.push(JSON.stringify(snippet.json, null, 2));
    if (!token) out.push('', 'Replace the token placeholder with a real one from `flowlink agent create NAME`.');
    print(io, out.join('\n'));
    return 0;
  },
};
