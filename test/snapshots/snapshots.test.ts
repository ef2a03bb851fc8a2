import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, servers, type Running } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, uniqueEmail, type Api } from '../identity/harness.ts';
import { connectClient } from '../helpers/client.ts';

// Context snapshots through a running FlowLink and its REST API, on PGlite and on PostgreSQL.
const ENV_SECRET = 'memory-file-secret-9b1e';
const doc = (effect: string) => ({ policies: { rules: [{ id: 'env-rule', effect, reason: 'env dumps', match: { servers: ['everything'], tools: ['get-env'] } }] } });

for (const postgres of [false, true]) {
  describe(postgres ? 'postgres' : 'pglite', () => {
    let fl: Running;
    let owner: Browser;
    let outsider: Browser;
    let home: string;
    let other: string;
    const base = () => `/api/v1/orgs/${home}/snapshots`;

    async function signUp(email: string): Promise<Browser> {
      const b = new Browser({ app: fl.fl.app } as unknown as Api);
      const r = await b.req('POST', '/api/v1/auth/sign-up', { email, password: PASSWORD, name: 'T' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return b;
    }
    const list = async () => (await owner.req('GET', base())).body.snapshots as { id: string; reason: string; ref: string | null; policy_version: number }[];

    before(async () => {
      fl = await startFlowLink({ identity: { signup: 'open' }, servers: { everything: servers.everything, memory: { ...servers.memory, env: { MEMORY_FILE_PATH: ENV_SECRET } } } }, { postgres });
      owner = await signUp(uniqueEmail('owner'));
      home = (await owner.req('GET', '/api/v1/orgs')).body.orgs[0].id;
      outsider = await signUp(uniqueEmail('other'));
      other = (await outsider.req('POST', '/api/v1/orgs', { name: `other-${Date.now()}` })).body.org.id;
      const c = await connectClient(`${fl.url}/mcp/everything`, fl.token);
      await c.client.listTools();
      await c.close();
    });
    after(async () => {
      await fl?.stop();
    });

    test('a policy change is preceded by a snapshot of the state it replaces; diff shows the changed rule; restore makes a new version', async () => {
      assert.equal((await owner.req('PUT', `/api/v1/orgs/${home}/policies`, doc('deny'))).status, 200);
      const v1 = fl.fl.policy.current().version;
      const before = (await list()).length;
      const put = await owner.req('PUT', `/api/v1/orgs/${home}/policies`, doc('approve'));
      assert.equal(put.status, 200);
      const snaps = await list();
      assert.equal(snaps.length, before + 1, 'one automatic snapshot');
      const auto = snaps[0]!;
      assert.equal(auto.reason, 'policy-change');
      assert.equal(auto.policy_version, v1, 'it holds the version being replaced');
      const held = (await owner.req('GET', `${base()}/${auto.id}`)).body.snapshot;
      assert.equal(held.content.policy.document.policies.rules[0].effect, 'deny');

      const now = await owner.req('POST', base(), { reason: 'manual', ref: 'after change' });
      assert.equal(now.status, 201, JSON.stringify(now.body));
      const d = (await owner.req('GET', `${base()}/diff?from=${auto.id}&to=${now.body.snapshot.id}`)).body;
      assert.equal(d.identical, false);
      assert.deepEqual(d.policy.rules.changed, [{ id: 'env-rule', fields: [{ field: 'effect', from: 'deny', to: 'approve' }] }]);
      assert.ok(d.policy.lines.some((l: string) => l.startsWith('~ rule "env-rule": effect: "deny" -> "approve"')), JSON.stringify(d.policy.lines));
      assert.deepEqual([d.policy.from_version, d.policy.to_version], [v1, put.body.version]);

      const r = await owner.req('POST', `${base()}/${auto.id}/restore`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.changed, true);
      assert.ok(r.body.to_version > put.body.version, 'a restore is a new version');
      assert.equal(fl.fl.policy.current().version, r.body.to_version);
      assert.equal(fl.fl.policy.current().document.policies.rules[0]!.effect, 'deny');
      const versions = (await owner.req('GET', `/api/v1/orgs/${home}/policies/versions`)).body.versions;
      assert.equal(versions[0].version, r.body.to_version);
      const ev = await fl.fl.store.query<{ data: Record<string, unknown>; actor_type: string }>(`SELECT data, actor_type FROM audit_events WHERE org_id = $1 AND kind = 'snapshot.restored' ORDER BY seq DESC LIMIT 1`, [home]);
      assert.equal(ev[0]!.data.snapshot_id, auto.id);
      assert.equal(ev[0]!.data.to_version, r.body.to_version);
      assert.equal(ev[0]!.actor_type, 'user');
      assert.equal((await list())[0]!.reason, 'policy-change', 'the restore itself was preceded by a snapshot');
      const again = await owner.req('POST', `${base()}/${auto.id}/restore`);
      assert.equal(again.body.changed, false, 'restoring the active set changes nothing');
    });

    test('content: agents without tokens, servers with pinned tools, env values redacted, the audit head; content-hashed', async () => {
      const m = (await owner.req('POST', base(), {})).body.snapshot;
      const s = (await owner.req('GET', `${base()}/${m.id}`)).body.snapshot;
      const text = JSON.stringify(s);
      assert.ok(!text.includes(fl.token), 'no agent token');
      assert.ok(!text.includes(ENV_SECRET), 'no env value');
      assert.ok(s.content.agents.some((a: { name: string }) => a.name.startsWith('test-agent-')));
      const every = s.content.servers.find((x: { name: string }) => x.name === 'everything');
      assert.ok(every.tools.length > 3 && every.tools.every((t: { hash: string }) => /^[0-9a-f]{64}$/.test(t.hash)), 'pinned definitions');
      assert.equal(s.content.servers.find((x: { name: string }) => x.name === 'memory').config.env.MEMORY_FILE_PATH, '[redacted]');
      assert.ok(s.content.audit.head.seq >= 1);
      assert.match(s.content_sha256, /^[0-9a-f]{64}$/);
      const ev = await fl.fl.store.query<{ data: { content_sha256: string } }>(`SELECT data FROM audit_events WHERE org_id = $1 AND kind = 'snapshot.captured' AND data->>'snapshot_id' = $2`, [home, m.id]);
      assert.equal(ev[0]!.data.content_sha256, s.content_sha256);
    });

    test('an incident opens a snapshot through snapshots.capture(org, "incident", ref)', async () => {
      const m = await fl.fl.snapshots.capture(home, 'incident', 'INC-42');
      const row = (await list()).find((x) => x.id === m.id)!;
      assert.deepEqual([row.reason, row.ref], ['incident', 'INC-42']);
      await assert.rejects(fl.fl.snapshots.capture(home, 'whenever' as never), /reason must be one of/);
      const all = await list();
      const first = (await owner.req('GET', `${base()}?limit=2`)).body.snapshots;
      const next = (await owner.req('GET', `${base()}?limit=2&before=${first[1].id}`)).body.snapshots;
      assert.deepEqual([...first, ...next].map((x: { id: string }) => x.id), all.slice(0, 2 + next.length).map((x) => x.id), 'pages follow each other');
      assert.ok(next.length >= 1);
    });

    test("another organization cannot list, read, diff or restore this org's snapshots, nor restore policies from its own", async () => {
      const mine = (await list())[0]!.id;
      assert.equal((await outsider.req('GET', base())).status, 404);
      assert.equal((await outsider.req('GET', `${base()}/${mine}`)).status, 404);
      assert.equal((await outsider.req('GET', `/api/v1/orgs/${other}/snapshots/${mine}`)).status, 404, "another org's id in one's own org");
      assert.equal((await outsider.req('GET', `/api/v1/orgs/${other}/snapshots/diff?from=${mine}&to=${mine}`)).status, 404);
      assert.equal((await outsider.req('POST', `/api/v1/orgs/${other}/snapshots/${mine}/restore`)).status, 404);
      const own = await outsider.req('POST', `/api/v1/orgs/${other}/snapshots`, { reason: 'manual' });
      assert.equal(own.status, 201);
      assert.equal((await outsider.req('GET', `/api/v1/orgs/${other}/snapshots`)).body.snapshots.length, 1);
      const r = await outsider.req('POST', `/api/v1/orgs/${other}/snapshots/${own.body.snapshot.id}/restore`);
      assert.equal(r.status, 403);
      assert.match(r.body.error.message, /default organization/);
      const bad = await owner.req('GET', `${base()}/not-an-id`);
      assert.equal(bad.status, 400);
    });
  });
}
