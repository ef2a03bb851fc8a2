import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { parseConfig } from '../../src/config/load.ts';

async function run(args: string[], cwd: string) {
  return runCli(args, { env: { ...process.env, DATABASE_URL: '' }, cwd });
}

test('config errors name the file, the key and the problem', () => {
  const cases: [string, RegExp][] = [
    ['servers:\n  files: { command: npx, argz: [a] }\n', /f\.yaml: servers\.files: unknown key "argz"/],
    ['servers:\n  r: { url: "ftp://x" }\n', /f\.yaml: servers\.r\.url: expected an http:\/\/ or https:\/\/ URL/],
    ['listen: { port: 99999 }\n', /f\.yaml: listen\.port: .*65535/],
    ['bogus: 1\n', /f\.yaml: \(top level\): unknown key "bogus"/],
    ['servers:\n  a__b: { url: "http://x" }\n', /servers\.a__b: invalid name "a__b"/],
    ['servers:\n  x: { command: a, mode: sometimes }\n', /servers\.x/],
    ['limits: { sessionIdleTimeout: soon }\n', /limits\.sessionIdleTimeout: expected a duration/],
    ['a: [1\n', /f\.yaml: /],
  ];
  for (const [text, re] of cases) assert.throws(() => parseConfig(text, 'f.yaml'), re, text);
  const ok = parseConfig('servers:\n  files: { command: npx, args: [-y, pkg] }\n  remote: { url: "http://127.0.0.1:9000/mcp", headers: { X-Key: v } }\n', 'f.yaml');
  assert.equal(ok.servers.files && 'command' in ok.servers.files && ok.servers.files.mode, 'shared');
  assert.equal(ok.servers.remote && 'url' in ok.servers.remote && ok.servers.remote.transport, 'streamable-http');
});

test('--help works on every command, and unknown flags are errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-cli-'));
  try {
    for (const c of ['start', 'agent', 'history', 'connect', 'setup']) {
      const r = await run([c, '--help'], dir);
      assert.equal(r.code, 0, c);
      assert.match(r.out, /Usage:\s+flowlink/);
    }
    const r = await run(['history', '--bogus'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /Unknown option '--bogus'/);
    assert.equal((await run(['nope'], dir)).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('agent create/list/revoke and history, with --json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-cli-'));
  try {
    writeFileSync(join(dir, 'flowlink.yaml'), 'store: { data: ./state }\nservers: {}\n');
    const created = await run(['agent', 'create', 'ops-bot', '--json', '--label', 'team=ops'], dir);
    assert.equal(created.code, 0, created.err);
    const a = JSON.parse(created.out);
    assert.equal(a.name, 'ops-bot');
    assert.match(a.token, /^fl_agent_/);
    const list = JSON.parse((await run(['agent', 'list', '--json'], dir)).out);
    assert.deepEqual(list.map((x: { name: string; revoked: boolean }) => [x.name, x.revoked]), [['ops-bot', false]]);
    assert.equal(JSON.stringify(list).includes(a.token), false, 'list never shows a token');
    assert.equal((await run(['agent', 'revoke', 'ops-bot'], dir)).code, 0);
    const after = JSON.parse((await run(['agent', 'list', '--json'], dir)).out);
    assert.equal(after[0].revoked, true);
    const missing = await run(['agent', 'revoke', 'ghost'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no agent named "ghost"/);
    const hist = await run(['history', '--json'], dir);
    assert.equal(hist.code, 0);
    assert.equal(hist.out, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('setup prints exact client configuration', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-cli-'));
  try {
    const r = await run(['setup', 'claude-code', '--url', 'http://127.0.0.1:7420/mcp', '--token', 'fl_agent_x', '--json'], dir);
    const j = JSON.parse(r.out);
    assert.equal(j.command, 'claude mcp add --transport http flowlink http://127.0.0.1:7420/mcp --header "Authorization: Bearer fl_agent_x"');
    const cursor = JSON.parse((await run(['setup', 'cursor', '--token', 't', '--json'], dir)).out);
    assert.deepEqual(cursor.json.mcpServers.flowlink.headers, { Authorization: 'Bearer t' });
    const desktop = JSON.parse((await run(['setup', 'claude-desktop', '--token', 't', '--json'], dir)).out);
    assert.deepEqual(desktop.json.mcpServers.flowlink.args.slice(0, 2), ['flowlink', 'connect']);
    assert.equal((await run(['setup', 'emacs'], dir)).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flowlink.example.yaml and the demo configuration are valid', async () => {
  const { readFileSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  for (const f of ['flowlink.example.yaml', 'demo/flowlink.demo.yaml']) {
    const cfg = parseConfig(readFileSync(resolve(import.meta.dirname ?? '.', '../..', f), 'utf8'), f);
    assert.ok(Object.keys(cfg.servers).length > 0, f);
  }
});
