import type { Command, Io } from './args.ts';
import { parse, print } from './args.ts';
import { startCommand } from './start.ts';
import { agentCommand } from './agent.ts';
import { historyCommand } from './history.ts';
import { connectCommand } from './connect.ts';
import { setupCommand } from './setup.ts';
import { adminCommand } from './admin.ts';
import { auditCommand } from './audit.ts';
import { sinksCommand } from './sinks.ts';
import { shieldCommand } from './shield.ts';
import { policyCommand } from './policy.ts';
import { hookCommand } from './hook.ts';
import { reportCommand } from './report.ts';
import { snapshotCommand } from './snapshot.ts';
import { secretCommand } from './secret.ts';
import { toFlowLinkError, isFlowLinkError } from '../lib/errors.ts';

const COMMANDS: Command[] = [startCommand, agentCommand, historyCommand, connectCommand, setupCommand, adminCommand, shieldCommand, auditCommand, policyCommand, hookCommand, secretCommand, reportCommand, snapshotCommand];

function usage(): string {
  return [
    'FlowLink: the control plane between AI agents and their MCP servers',
    '',
    'Usage: flowlink <command> [options]     (flowlink <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[], io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print(io, usage());
    return name ? 0 : 1;
  }
  // `audit sinks` has its own file (src/cli/sinks.ts).
  const auditSinks = name === 'audit' && rest[0] === 'sinks';
  const cmd = auditSinks ? sinksCommand : COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`flowlink: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    const args = parse(cmd, auditSinks ? rest.slice(1) : rest);
    if (args.values.help) {
      print(io, cmd.usage);
      return 0;
    }
    return await cmd.run(args as { values: Record<string, unknown>; positionals: string[] }, io);
  } catch (err) {
    const e = toFlowLinkError(err);
    const message = isFlowLinkError(err) ? e.message : err instanceof Error ? err.message : String(err);
    io.stderr.write(`flowlink ${name}: ${message}\n`);
    return e.code === 'invalid_params' ? 2 : 1;
  }
}
