#!/usr/bin/env node
// The fast hook entry: plain JavaScript, no tsx, so process start to answer stays short
// (it runs before every shell command the agent issues). Same as `flowlink hook CLIENT`.
// Usage: flowlink-hook <claude-code|cursor|codex> [--url URL] [--token T] [--fail-open] [--timeout MS]
import { parseArgs } from 'node:util';
import { runHook, readAll } from '../src/hooks/client.js';

let parsed;
try {
  parsed = parseArgs({ args: process.argv.slice(2), allowPositionals: true, strict: true, options: { url: { type: 'string' }, token: { type: 'string' }, 'fail-open': { type: 'boolean' }, timeout: { type: 'string' } } });
} catch (err) {
  process.stderr.write(`flowlink-hook: ${err.message}\nUsage: flowlink-hook <claude-code|cursor|codex> [--url URL] [--token T] [--fail-open] [--timeout MS]\n`);
  process.exit(2);
}
const { values, positionals } = parsed;
const out = await runHook({
  client: positionals[0] ?? '',
  stdinText: await readAll(process.stdin),
  env: process.env,
  url: values.url,
  token: values.token,
  failOpen: values['fail-open'] || undefined,
  timeoutMs: values.timeout ? Number(values.timeout) : undefined,
});
if (out.stderr) process.stderr.write(out.stderr);
process.stdout.write(out.stdout, () => process.exit(out.exitCode));
