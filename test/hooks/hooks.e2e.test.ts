import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startHookFlowLink, runHookProcess, fixture, type HookFlowLink } from './helpers.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';

let fl: HookFlowLink;
before(async () => {
  fl = await startHookFlowLink();
});
after(async () => {
  await fl?.stop();
});

const env = () => ({ FLOWLINK_URL: fl.url, FLOWLINK_TOKEN: fl.token });
type ClaudeOut = { hookSpecificOutput: { hookEventName: string; permissionDecision: string; permissionDecisionReason: string } };

async function claude(name: string) {
  const r = await runHookProcess(['claude-code'], fixture(name), env());
  assert.equal(r.code, 0, r.stderr);
  const out = r.json as ClaudeOut;
  assert.deepEqual(Object.keys(out), ['hookSpecificOutput']);
  assert.equal(out.hookSpecificOutput.hookEventName, 'PreToolUse');
  assert.equal(typeof out.hookSpecificOutput.permissionDecisionReason, 'string');
  return out.hookSpecificOutput;
}

test('claude-code: ls is allowed, rm -rf ~ denied with the rule, a force push to main asks', async () => {
  assert.equal((await claude('claude-code.bash-ls.json')).permissionDecision, 'allow');
  const rm = await claude('claude-code.bash-rm-home.json');
  assert.equal(rm.permissionDecision, 'deny');
  assert.match(rm.permissionDecisionReason, /fs\.rm-recursive-critical-path/);
  const push = await claude('claude-code.bash-force-push.json');
  assert.equal(push.permissionDecision, 'ask');
  assert.match(push.permissionDecisionReason, /git\.force-push-protected/);
});

test('claude-code: Write, WebFetch and mcp__server__tool reach Shield as paths, URLs and commands', async () => {
  assert.equal((await claude('claude-code.write-src.json')).permissionDecision, 'allow');
  assert.match((await claude('claude-code.write-ssh-key.json')).permissionDecisionReason, /paths\.modify-auth/);
  assert.match((await claude('claude-code.webfetch-metadata.json')).permissionDecisionReason, /ssrf\.cloud-metadata/);
  const mcp = await claude('claude-code.mcp-call.json');
  assert.equal(mcp.permissionDecision, 'deny');
  assert.match(mcp.permissionDecisionReason, /k8s\.delete-namespace/);
});

test('cursor: shell, MCP and file-read events answer with permission and messages', async () => {
  const run = async (name: string) => {
    const r = await runHookProcess(['cursor'], fixture(name), env());
    assert.equal(r.code, 0, r.stderr);
    return r.json as { permission: string; user_message: string; agent_message: string };
  };
  const ls = await run('cursor.shell-ls.json');
  assert.equal(ls.permission, 'allow');
  const rm = await run('cursor.shell-rm-home.json');
  assert.equal(rm.permission, 'deny');
  assert.match(rm.agent_message, /fs\.rm-recursive-critical-path/);
  assert.match(rm.user_message, /Blocked by FlowLink Shield/);
  const mcp = await run('cursor.mcp.json');
  assert.equal(mcp.permission, 'ask');
  assert.match(mcp.agent_message, /sql\.drop-table/);
  // beforeReadFile cannot ask: a read that needs approval is denied.
  assert.equal((await run('cursor.read-env.json')).permission, 'deny');
});

test('codex: an ask becomes a deny that exits 2 with the reason on stderr; allow prints nothing', async () => {
  const r = await runHookProcess(['codex'], fixture('codex.bash-force-push.json'), env());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /git\.force-push-protected/);
  assert.equal((r.json as ClaudeOut).hookSpecificOutput.permissionDecision, 'deny');
  const ok = await runHookProcess(['codex'], fixture('claude-code.bash-ls.json'), env());
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, '');
});

test('every decision is recorded in the calls table with the client and the outcome', async () => {
  await claude('claude-code.bash-rm-home.json');
  const rows = await auditRepo.history(fl.fl.store, { orgId: fl.orgId, limit: 500 });
  const rm = rows.find((r) => r.server === 'claude-code' && r.tool === 'Bash' && (r.arguments as { command?: string }).command === 'rm -rf ~');
  assert.ok(rm, 'rm -rf ~ recorded');
  assert.equal(rm.status, 'denied');
  assert.equal((rm.decision as { mode: string }).mode, 'decide');
  assert.equal((rm.decision as { shield: { verdict: string } }).shield.verdict, 'block');
  const ls = rows.find((r) => r.server === 'claude-code' && (r.arguments as { command?: string }).command === 'ls -la');
  assert.equal(ls?.status, 'ok');
  assert.ok(rows.some((r) => r.server === 'cursor' && r.tool === 'Read' && (r.arguments as { path?: string }).path === '/home/dev/.aws/credentials'));
  assert.ok(rows.some((r) => r.server === 'db-mcp' && r.tool === 'run_query'));
});

test('fail closed: FlowLink down, bad token or bad input all deny and say why; --fail-open allows', async () => {
  const port = await new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
  const down = await runHookProcess(['claude-code'], fixture('claude-code.bash-ls.json'), { FLOWLINK_URL: `http://127.0.0.1:${port}`, FLOWLINK_TOKEN: 'x' });
  const d = (down.json as ClaudeOut).hookSpecificOutput;
  assert.equal(d.permissionDecision, 'deny');
  assert.match(d.permissionDecisionReason, /unreachable.*ECONNREFUSED.*fail closed/);
  const cursorDown = await runHookProcess(['cursor'], fixture('cursor.shell-ls.json'), { FLOWLINK_URL: `http://127.0.0.1:${port}`, FLOWLINK_TOKEN: 'x' });
  assert.equal((cursorDown.json as { permission: string }).permission, 'deny');
  const open = await runHookProcess(['claude-code', '--fail-open'], fixture('claude-code.bash-ls.json'), { FLOWLINK_URL: `http://127.0.0.1:${port}`, FLOWLINK_TOKEN: 'x' });
  assert.equal((open.json as ClaudeOut).hookSpecificOutput.permissionDecision, 'allow');
  const badToken = await runHookProcess(['claude-code'], fixture('claude-code.bash-ls.json'), { FLOWLINK_URL: fl.url, FLOWLINK_TOKEN: 'fl_agent_nope' });
  assert.match((badToken.json as ClaudeOut).hookSpecificOutput.permissionDecisionReason, /HTTP 401.*token is not valid/);
  const noToken = await runHookProcess(['claude-code'], fixture('claude-code.bash-ls.json'), { FLOWLINK_URL: fl.url });
  assert.match((noToken.json as ClaudeOut).hookSpecificOutput.permissionDecisionReason, /no agent token/);
  const garbage = await runHookProcess(['claude-code'], 'not json', env());
  assert.equal((garbage.json as ClaudeOut).hookSpecificOutput.permissionDecision, 'deny');
});

test('the decide API validates its body with clear errors', async () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${fl.url}/api/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${fl.token}`, ...headers }, body });
  const missing = await post(JSON.stringify({ client: 'claude-code', input: {} }));
  assert.equal(missing.status, 400);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /required property 'tool'/);
  const bad = await post('{');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'parse_error');
  const big = await post(JSON.stringify({ client: 'claude-code', tool: 'Write', input: { content: 'x'.repeat(600 * 1024) } }));
  assert.equal(big.status, 413);
  const unauth = await post(JSON.stringify({ client: 'claude-code', tool: 'Bash', input: { command: 'ls' } }), { authorization: '' });
  assert.equal(unauth.status, 401);
  const ok = await post(JSON.stringify({ client: 'claude-code', tool: 'Bash', input: { command: 'git push --force origin main' }, cwd: '/tmp', session_id: 's1' }));
  const answer = (await ok.json()) as { decision: string; risk: number; rule: string; code: string };
  assert.deepEqual({ decision: answer.decision, rule: answer.rule, code: answer.code }, { decision: 'ask', rule: 'git.force-push-protected', code: 'approval_required' });
  assert.equal(typeof answer.risk, 'number');
});

test('an approval that does not arrive in time answers per onTimeout', async () => {
  const never = () => new Promise<never>(() => undefined);
  for (const onTimeout of ['deny', 'ask'] as const) {
    const slow = await startHookFlowLink({ maxWaitMs: 200, onTimeout, decide: never });
    try {
      const r = await runHookProcess(['claude-code'], fixture('claude-code.bash-force-push.json'), { FLOWLINK_URL: slow.url, FLOWLINK_TOKEN: slow.token });
      const out = (r.json as ClaudeOut).hookSpecificOutput;
      assert.equal(out.permissionDecision, onTimeout);
      assert.match(out.permissionDecisionReason, /no approval arrived/);
    } finally {
      await slow.stop();
    }
  }
});

test('flowlink hook (the tsx CLI) gives the same answer as the fast entry', async () => {
  const r = await runHookProcess(['hook', 'claude-code'], fixture('claude-code.bash-rm-home.json'), env(), [new URL('../../bin/flowlink.js', import.meta.url).pathname]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.json as ClaudeOut).hookSpecificOutput.permissionDecision, 'deny');
});
