import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSecretsRig } from './harness.ts';
import { connectClient } from '../helpers/client.ts';

// Rotation under load, on PostgreSQL: calls that inject secrets keep succeeding while the
// org key is rotated through the API and every data key is re-wrapped.
const N = 300;

test('calls keep succeeding while the org key rotates; afterwards the old key is retired and every value resolves', async () => {
  const rig = await startSecretsRig({ postgres: true, secrets: { grants: [{ secret: 'LOAD_*', agents: ['load-bot'], servers: ['echo'] }] } });
  try {
    const org = rig.homeOrg;
    const admin = { type: 'user' as const, id: 'test' };
    for (let i = 0; i < N; i++) await rig.fl.secrets.secrets.set(org, `LOAD_${i}`, { value: Buffer.from(`load-value-${i}-${'x'.repeat(i % 7)}`) }, admin);
    const token = (await rig.fl.agents.create(org, 'load-bot')).token;
    const u = await rig.signUp();
    assert.equal(u.orgs[0]!.id, org);
    const c = await connectClient(`${rig.url}/mcp/echo`, token);
    const failures: string[] = [];
    let calls = 0;
    let duringRotation = 0;
    try {
      const rot = await u.browser.req('POST', `/api/v1/orgs/${org}/secrets/_keys/rotate`);
      assert.equal(rot.status, 202, JSON.stringify(rot.body));
      let finished = false;
      const job = rig.fl.secrets.keys.idle(org).then(() => (finished = true));
      const worker = async (w: number) => {
        while (!finished) {
          const inProgress = (await rig.fl.secrets.keys.status(org)).rotation.inProgress;
          const names = [0, 1, 2].map((k) => `LOAD_${(calls * 7 + w * 101 + k * 37) % N}`);
          calls++;
          try {
            const res = (await c.client.callTool({ name: 'echo', arguments: { a: names.map((n) => `{{secret:${n}}}`).join(' ') } })) as { structuredContent: { args: { a: string } } };
            assert.equal(res.structuredContent.args.a, names.map((n) => `[secret:${n}]`).join(' '));
            if (inProgress) duringRotation++;
          } catch (err) {
            failures.push((err as Error).message);
          }
        }
      };
      await Promise.all([worker(0), worker(1), job]);
    } finally {
      await c.close();
    }
    assert.deepEqual(failures, []);
    assert.ok(duringRotation >= 1, `calls made while the rotation ran: ${duringRotation} of ${calls}`);
    const st = await rig.fl.secrets.keys.status(org);
    assert.deepEqual(st.keys.map((k) => [k.keyId === st.keys.find((x) => x.state === 'active')!.keyId ? 'active' : k.state, k.wrappedKeys]), [['retired', 0], ['active', N]]);
    for (const i of [0, 150, N - 1]) assert.equal((await rig.fl.secrets.resolver.resolve(org, `LOAD_${i}`))?.value, `load-value-${i}-${'x'.repeat(i % 7)}`);
    const rotated = await rig.store.query<{ data: { rewrapped: number; remaining: number } }>("SELECT data FROM audit_events WHERE kind = 'secret.keys.rotated'");
    assert.deepEqual([rotated[0]!.data.rewrapped, rotated[0]!.data.remaining], [N, 0]);
  } finally {
    await rig.close();
  }
});
