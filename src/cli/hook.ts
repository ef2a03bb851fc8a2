import type { Command } from './args.ts';
// client.js is plain JavaScript (shared with the no-tsx entry bin/flowlink-hook.js); types in client.d.ts.
import { runHook, readAll, HOOK_CLIENTS } from '../hooks/client.js';
import { FlowLinkError } from '../lib/errors.ts';

export const hookCommand: Command = {
  name: 'hook',
  summary: "Judge a coding agent's own tool call (Claude Code, Cursor, Codex hook)",
  usage: `Usage: flowlink hook <${HOOK_CLIENTS.join('|')}> [--url URL] [--token T] [--fail-open] [--timeout MS]

Reads the client's hook payload (JSON) from stdin, asks FlowLink's decision API
(POST /api/v1/decide) and prints the answer in the client's hook output format:
  claude-code  PreToolUse       {"hookSpecificOutput":{"permissionDecision":"allow|deny|ask",...}}
  codex        PreToolUse       same shape; ask becomes deny (Codex cannot ask), deny exits 2
  cursor       beforeShellExecution | beforeMCPExecution | beforeReadFile  {"permission":...}

URL and token come from --url/--token or FLOWLINK_URL/FLOWLINK_TOKEN. When FlowLink is
unreachable or fails, the call is denied (fail closed) unless --fail-open or
FLOWLINK_FAIL_OPEN=1. Installed hooks should run bin/flowlink-hook.js, the same code
without the TypeScript loader (much faster to start); see \`flowlink setup <client> --hooks\`.`,
  options: { url: { type: 'string' }, token: { type: 'string' }, 'fail-open': { type: 'boolean' }, timeout: { type: 'string' } },
  async run({ values, positionals }, io) {
    const client = positionals[0];
    if (!client || !(HOOK_CLIENTS as readonly string[]).includes(client)) throw new FlowLinkError('invalid_params', `unknown client "${client ?? ''}"\n\n${hookCommand.usage}`);
    const timeout = values.timeout as string | undefined;
    if (timeout !== undefined && !(Number(timeout) > 0)) throw new FlowLinkError('invalid_params', `--timeout must be a positive number of milliseconds, not "${timeout}"`);
    const out = await runHook({
      client,
      stdinText: await readAll(io.stdin),
      env: io.env,
      url: values.url as string | undefined,
      token: values.token as string | undefined,
      failOpen: (values['fail-open'] as boolean | undefined) || undefined,
      timeoutMs: timeout ? Number(timeout) : undefined,
    });
    if (out.stderr) io.stderr.write(out.stderr);
    io.stdout.write(out.stdout);
    return out.exitCode;
  },
};
