import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/index.ts';

/** Runs the CLI in this process with captured output: exit code, stdout and stderr as text. */
export async function runCli(args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; stdin?: string }): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const stdin = opts.stdin === undefined ? new PassThrough() : Readable.from([opts.stdin]);
  const code = await main(args, { stdin, stdout, stderr, env: opts.env, cwd: opts.cwd });
  return { code, out, err };
}
