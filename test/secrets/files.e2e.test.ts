import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSecretsRig, assertNoLeak, type SecretsRig } from './harness.ts';
import { connectClient } from '../helpers/client.ts';

// {{secretfile:NAME}}: the upstream (echo-env fixture) reads the file during the call; the file
// and its folder are gone as soon as the call returns or fails, while the session stays open.
let rig: SecretsRig;
let token: string;
const AWS = `[default]\naws_secret_access_key = ${randomBytes(12).toString('base64url')}\n`;
const KUBE = `apiVersion: v1\nusers: [{ token: ${randomBytes(12).toString('hex')} }]\n`;

before(async () => {
  rig = await startSecretsRig({ secrets: { grants: [{ secret: '*_CREDS', agents: ['files-bot'], servers: ['echo'] }] } });
  await rig.fl.secrets.secrets.set(rig.homeOrg, 'AWS_CREDS', { value: Buffer.from(AWS) }, { type: 'user', id: 'test' });
  await rig.fl.secrets.secrets.set(rig.homeOrg, 'KUBE_CREDS', { value: Buffer.from(KUBE) }, { type: 'user', id: 'test' });
  token = (await rig.fl.agents.create(rig.homeOrg, 'files-bot')).token;
});
after(async () => {
  await rig?.close();
});

type Report = { files: Record<string, { content: string; mode: string }>; args: Record<string, string> };

test('credential files exist (0600) while the call runs and are removed when it ends, not when the session ends', async () => {
  const c = await connectClient(`${rig.url}/mcp/echo`, token);
  try {
    const first = (await c.client.callTool({ name: 'echo', arguments: { aws: '{{secretfile:AWS_CREDS}}', kube: '{{secretfile:KUBE_CREDS}}', again: '{{secretfile:AWS_CREDS}}' } })) as { structuredContent: Report };
    const r = first.structuredContent;
    const paths = Object.keys(r.files);
    assert.equal(paths.length, 2, 'one file per secret, reused by repeated placeholders');
    assert.equal(r.args.aws, r.args.again);
    for (const p of paths) {
      assert.equal(r.files[p]!.mode, '600');
      assert.match(r.files[p]!.content, /\[secret:(AWS|KUBE)_CREDS\]/, 'the upstream read the value (redacted on the way back)');
      assert.equal(existsSync(p), false, `${p} is gone right after the call`);
    }
    assert.equal(dirname(paths[0]!), dirname(paths[1]!));
    assert.equal(existsSync(dirname(paths[0]!)), false, 'the private folder is gone too');

    // Same session, next call: a new folder; the previous one did not wait for the session.
    const second = (await c.client.callTool({ name: 'echo', arguments: { aws: '{{secretfile:AWS_CREDS}}' } })) as { structuredContent: Report };
    const p2 = Object.keys(second.structuredContent.files)[0]!;
    assert.notEqual(dirname(p2), dirname(paths[0]!));
    assert.equal(existsSync(p2), false);

    // A failing call cleans up as well (the fixture quotes its arguments in the error).
    const failed = await c.client.callTool({ name: 'fail', arguments: { path: '{{secretfile:KUBE_CREDS}}' } }).then(
      (res) => JSON.stringify(res),
      (e: Error) => e.message,
    );
    const path = /"path":"([^"]+)"/.exec(failed)?.[1];
    assert.ok(path && path.startsWith('/'), failed);
    assert.equal(existsSync(path), false, 'removed after a failed call');
    assertNoLeak(JSON.stringify([first, second, failed]), AWS, 'the results');
    assertNoLeak(JSON.stringify([first, second, failed]), KUBE, 'the results');
  } finally {
    await c.close();
  }
  const used = await rig.store.query<{ method: string }>("SELECT method FROM secret_uses WHERE org_id = $1 AND name = 'AWS_CREDS'", [rig.homeOrg]);
  assert.deepEqual(used.map((u) => u.method), ['file', 'file']);
});

test("a hook's decide run (nothing executes) injects nothing: no file, no recorded use", async () => {
  const identity = (await rig.fl.agents.authenticate(token))!;
  const usesBefore = (await rig.store.query<{ n: number }>('SELECT count(*)::int AS n FROM secret_uses'))[0]!.n;
  const out = await rig.fl.decide({ identity, tokenHash: undefined, sessionId: undefined, client: { name: 'claude-code' }, server: 'echo', tool: 'echo', arguments: { f: '{{secretfile:AWS_CREDS}}', v: '{{secret:KUBE_CREDS}}' }, signal: new AbortController().signal });
  assert.equal(out.allowed, true, JSON.stringify(out));
  assert.equal(out.decision.secrets, undefined);
  assert.equal((await rig.store.query<{ n: number }>('SELECT count(*)::int AS n FROM secret_uses'))[0]!.n, usesBefore);
});
