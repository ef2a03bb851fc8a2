import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';

async function setup(dir: string, ...args: string[]) {
  return runCli(['setup', ...args, '--url', 'http://127.0.0.1:7420/mcp'], { env: { HOME: dir }, cwd: dir });
}

test('setup claude-code --hooks --write merges into an existing settings file and is idempotent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-hooks-setup-'));
  mkdirSync(join(dir, '.claude'));
  const file = join(dir, '.claude/settings.json');
  const existing = { model: 'opus', permissions: { allow: ['Bash(npm test)'] }, hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './lint.sh' }] }], PostToolUse: [{ matcher: 'Write', hooks: [{ type: 'command', command: 'prettier' }] }] } };
  writeFileSync(file, JSON.stringify(existing));
  const r = await setup(dir, 'claude-code', '--hooks', '--write', '--token', 'fl_agent_test');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(s.model, 'opus');
  assert.deepEqual(s.permissions, existing.permissions);
  assert.deepEqual(s.hooks.PostToolUse, existing.hooks.PostToolUse);
  assert.deepEqual(s.hooks.PreToolUse[0], existing.hooks.PreToolUse[0]);
  assert.equal(s.hooks.PreToolUse.length, 2);
  assert.equal(s.hooks.PreToolUse[1].matcher, '*');
  assert.match(s.hooks.PreToolUse[1].hooks[0].command, /flowlink-hook\.js claude-code --url http:\/\/127\.0\.0\.1:7420$/);
  assert.equal(s.env.FLOWLINK_TOKEN, 'fl_agent_test');
  const again = await setup(dir, 'claude-code', '--hooks', '--write', '--token', 'fl_agent_test');
  assert.match(again.out, /nothing changed/);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).hooks.PreToolUse.length, 2);
});

test('setup --hooks prints by default and never writes; invalid JSON is refused and left alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-hooks-setup-'));
  const r = await setup(dir, 'claude-code', '--hooks');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /"PreToolUse"/);
  assert.equal(existsSync(join(dir, '.claude/settings.json')), false);
  mkdirSync(join(dir, '.claude'));
  writeFileSync(join(dir, '.claude/settings.json'), '{ broken');
  const bad = await setup(dir, 'claude-code', '--hooks', '--write');
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /not valid JSON.*left unchanged/);
  assert.equal(readFileSync(join(dir, '.claude/settings.json'), 'utf8'), '{ broken');
});

test('setup cursor --hooks --write merges ~/.cursor/hooks.json, keeping other hooks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-hooks-setup-'));
  mkdirSync(join(dir, '.cursor'));
  const file = join(dir, '.cursor/hooks.json');
  writeFileSync(file, JSON.stringify({ version: 1, hooks: { afterFileEdit: [{ command: 'prettier --write' }], beforeShellExecution: [{ command: './audit.sh' }] } }));
  const r = await setup(dir, 'cursor', '--hooks', '--write');
  assert.equal(r.code, 0, r.err);
  const h = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(h.hooks.afterFileEdit, [{ command: 'prettier --write' }]);
  assert.equal(h.hooks.beforeShellExecution[0].command, './audit.sh');
  for (const e of ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile']) assert.equal(h.hooks[e].filter((x: { command: string }) => /flowlink-hook\.js cursor/.test(x.command)).length, 1, e);
  await setup(dir, 'cursor', '--hooks', '--write');
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).hooks.beforeShellExecution.length, 2);
});

test('setup codex --hooks prints the config.toml snippet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-hooks-setup-'));
  const r = await setup(dir, 'codex', '--hooks');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\[\[hooks\.PreToolUse\]\]/);
  assert.match(r.out, /flowlink-hook\.js codex/);
});
