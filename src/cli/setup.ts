import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from './args.ts';
import { print } from './args.ts';
import { resolveConfig } from './context.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { mergeClaudeSettings, mergeCursorHooks, codexHooksToml } from '../hooks/install.ts';
import type { Io } from './args.ts';

const CLIENTS = ['claude-code', 'cursor', 'vscode', 'windsurf', 'claude-desktop', 'codex'] as const;
const HOOK_CLIENTS = ['claude-code', 'cursor', 'codex'];
const HOOK_BIN = fileURLToPath(new URL('../../bin/flowlink-hook.js', import.meta.url));

/**
 * `setup <client> --hooks`: the settings that run FlowLink's hook before the client's own
 * tools, merged into the existing file (printed by default, written with --write).
 */
function setupHooks(io: Io, client: string, o: { base: string; token: string | undefined; write: boolean; file?: string; scope?: string; matcher?: string; failOpen: boolean }): number {
  if (!HOOK_CLIENTS.includes(client)) throw new FlowLinkError('invalid_params', `--hooks is for ${HOOK_CLIENTS.join(', ')}, not "${client}"`);
  const home = io.env.HOME || homedir();
  const expand = (f: string) => resolve(io.cwd, f.startsWith('~/') ? `${home}/${f.slice(2)}` : f);
  const q = (s: string) => (/^[A-Za-z0-9_./:@=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const command = [q(process.execPath), q(HOOK_BIN), client, '--url', q(o.base), ...(o.failOpen ? ['--fail-open'] : [])].join(' ');
  const notes: string[] = [];
  let file: string;
  let next: { text: string; changed: boolean };
  if (client === 'codex') {
    if (o.write) throw new FlowLinkError('invalid_params', 'setup codex --hooks only prints: add the snippet to ~/.codex/config.toml yourself');
    print(io, ['Add to ~/.codex/config.toml (hooks need Codex 0.124 or later):', '', codexHooksToml(command), '', o.token ? `and set FLOWLINK_TOKEN=${o.token} in Codex's environment.` : 'and set FLOWLINK_TOKEN (an agent token from `flowlink agent create NAME`) in Codex\'s environment.'].join('\n'));
    return 0;
  }
  if (client === 'claude-code') {
    file = expand(o.file ?? (o.scope === 'user' ? '~/.claude/settings.json' : '.claude/settings.json'));
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    next = mergeClaudeSettings(existing, { command, ...(o.matcher ? { matcher: o.matcher } : {}), ...(o.token ? { env: { FLOWLINK_TOKEN: o.token } } : {}), file });
    if (o.token && /\.claude\/settings\.json$/.test(file) && o.scope !== 'user' && !o.file) notes.push('The token is stored in .claude/settings.json, which is usually committed: prefer --file .claude/settings.local.json.');
  } else {
    file = expand(o.file ?? (o.scope === 'project' ? '.cursor/hooks.json' : '~/.cursor/hooks.json'));
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    next = mergeCursorHooks(existing, { command: o.token ? `FLOWLINK_TOKEN=${q(o.token)} ${command}` : command, file });
  }
  if (!o.token) notes.push('Set FLOWLINK_TOKEN (an agent token from `flowlink agent create NAME`) in the environment the client runs in.');
  if (o.write) {
    if (next.changed) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, next.text, { mode: 0o600 });
    }
    print(io, [next.changed ? `Updated ${file} (existing settings kept).` : `${file} already runs the FlowLink hook; nothing changed.`, ...notes].join('\n'));
    return 0;
  }
  print(io, [`${file} with the FlowLink hook merged in (write it with --write):`, next.text.trimEnd(), ...(notes.length ? ['', ...notes] : [])].join('\n'));
  return 0;
}

export const setupCommand: Command = {
  name: 'setup',
  summary: 'Print the exact client configuration to reach this FlowLink',
  usage: `Usage: flowlink setup <${CLIENTS.join('|')}> [--url URL] [--token T] [--name NAME] [--json]
       flowlink setup <claude-code|cursor|codex> --hooks [--write] [--file F] [--scope project|user] [--matcher RE] [--fail-open]

Prints the command or config snippet for the client. The URL defaults to this
FlowLink's /mcp endpoint; the token defaults to the demo agent's when running the demo.

--hooks installs FlowLink's hook, which judges the client's own tools (shell, file edits,
web fetch) before they run: Claude Code .claude/settings.json (--scope user:
~/.claude/settings.json), Cursor ~/.cursor/hooks.json (--scope project: .cursor/hooks.json),
Codex ~/.codex/config.toml (printed only). Existing settings are merged, never replaced;
without --write the merged file is printed.`,
  options: { url: { type: 'string' }, token: { type: 'string' }, name: { type: 'string' }, config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, hooks: { type: 'boolean' }, write: { type: 'boolean' }, file: { type: 'string' }, scope: { type: 'string' }, matcher: { type: 'string' }, 'fail-open': { type: 'boolean' } },
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
    if (values.hooks) {
      const scope = values.scope as string | undefined;
      if (scope && scope !== 'project' && scope !== 'user') throw new FlowLinkError('invalid_params', `--scope must be project or user, not "${scope}"`);
      return setupHooks(io, client, { base: url.replace(/\/+$/, '').replace(/\/mcp$/, ''), token, write: !!values.write, ...(values.file ? { file: values.file as string } : {}), ...(scope ? { scope } : {}), ...(values.matcher ? { matcher: values.matcher as string } : {}), failOpen: !!values['fail-open'] });
    }
    if (client === 'codex') throw new FlowLinkError('invalid_params', 'for codex, setup prints hooks only: flowlink setup codex --hooks');
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
