import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';

/** Runs `flowlink start` (demo mode: no flowlink.yaml in its folder) and reads what it prints. */
async function startDemo(data: string): Promise<{ proc: ChildProcess; base: string; email: string; password: string; token: string; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, [resolve(ROOT, 'bin/flowlink.js'), 'start', '--data', data, '--port', '0'], { cwd: data, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const until = Date.now() + 90_000;
  while (!/Demo agent token:\s+\S+/.test(out)) {
    if (proc.exitCode !== null || Date.now() > until) throw new Error(`flowlink start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = /Console:\s+(http:\/\/\S+)\/console\//.exec(out)![1]!;
  const [, email, password] = /Console sign-in:\s+(\S+)\s+password: (\S+)/.exec(out)!;
  const token = /Demo agent token:\s+(\S+)/.exec(out)![1]!;
  return {
    proc,
    base,
    email: email!,
    password: password!,
    token,
    stop: () => new Promise<void>((done) => (proc.once('exit', () => done()), proc.kill('SIGTERM'))),
  };
}

async function signIn(base: string, email: string, password: string) {
  const r = await fetch(`${base}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const cookies = r.headers.getSetCookie().map((c) => c.split(';')[0]!);
  return { status: r.status, cookie: cookies.join('; '), csrf: cookies.find((c) => c.startsWith('fl_csrf='))?.slice('fl_csrf='.length) ?? '' };
}

test('npm start (demo) prints the console and a working owner sign-in, kept across restarts; a file write waits in the approval queue', async () => {
  const data = mkdtempSync(join(tmpdir(), 'fl-demo-'));
  let demo = await startDemo(data);
  try {
    assert.equal(statSync(join(data, 'demo-admin-password')).mode & 0o777, 0o600, 'the password file is private');
    const page = await fetch(`${demo.base}/console/`);
    assert.equal(page.status, 200);
    const s = await signIn(demo.base, demo.email, demo.password);
    assert.equal(s.status, 200);
    const me = (await (await fetch(`${demo.base}/api/v1/me`, { headers: { cookie: s.cookie } })).json()) as { orgs: { id: string; name: string; role: string }[] };
    assert.equal(me.orgs[0]?.role, 'owner');
    const orgId = me.orgs[0]!.id;

    // A risky demo call: writing a file is held for a person.
    const c = await connectClient(`${demo.base}/mcp/files`, demo.token);
    const call = c.client
      .callTool({ name: 'write_file', arguments: { path: join(ROOT, 'demo/files/never-written.txt'), content: 'x' } }, { resetTimeoutOnProgress: true, timeout: 60_000, onprogress: () => {} } as never)
      .then(() => 'result', (err: Error) => err.message);
    let pending: { id: string; tool: string }[] = [];
    for (let i = 0; i < 200 && pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      pending = ((await (await fetch(`${demo.base}/api/v1/orgs/${orgId}/approvals?state=pending`, { headers: { cookie: s.cookie } })).json()) as { approvals: { id: string; tool: string }[] }).approvals;
    }
    assert.equal(pending[0]?.tool, 'write_file', 'the write waits in the queue');
    const d = await fetch(`${demo.base}/api/v1/orgs/${orgId}/approvals/${pending[0]!.id}/decision`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'deny', reason: 'demo test' }) });
    assert.equal(d.status, 200);
    assert.match(await call, /demo test/);
    await c.close();

    const first = demo.password;
    await demo.stop();
    demo = await startDemo(data);
    assert.equal(demo.password, first, 'the same password is printed on the next start');
    assert.equal((await signIn(demo.base, demo.email, demo.password)).status, 200);
  } finally {
    await demo.stop();
    rmSync(data, { recursive: true, force: true });
  }
});
