import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createPolicyService } from '../../src/policy/policy.service.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import { PG_URL } from '../helpers/flowlink.ts';
import type { Store } from '../../src/store/store.ts';

const yaml = (effect: string, extra = '') => `listen: { port: 7420 }\npolicies:\n  rules:\n    - id: k8s\n      effect: ${effect}\n      match: { servers: [kubernetes] }\n${extra}`;
const input = { org: 'o', agent: 'a', server: 'kubernetes', tool: 't' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function pgStore(): Promise<Store> {
  const schema = `t_pol_${process.pid}_${Date.now()}`;
  const admin = await openStore({ url: PG_URL, data: '' }).catch((err) => {
    throw new Error(`PostgreSQL is required for this test at ${PG_URL}: ${(err as Error).message}`);
  });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  return openStore({ url: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, data: '' });
}

test('API changes are versioned with actor, source and diff; rollback restores any version as a new one', async () => {
  const store = await openStore({ data: 'memory://' });
  const svc = createPolicyService({ store, logger: silentLogger });
  try {
    await svc.start();
    assert.equal(svc.current().version, 0);
    await svc.apply({ policies: { rules: [{ id: 'r1', effect: 'deny' }] } }, 'alice');
    await svc.apply({ policies: { rules: [{ id: 'r1', effect: 'allow' }, { id: 'r2', effect: 'deny', match: { servers: ['db'] } }] } }, 'bob');
    assert.equal(svc.current().version, 2);
    const again = await svc.apply({ policies: { rules: [{ id: 'r1', effect: 'allow' }, { id: 'r2', effect: 'deny', match: { servers: ['db'] } }] } }, 'bob');
    assert.equal(again.version, 2, 'an identical document makes no new version');
    const vs = await svc.versions();
    assert.deepEqual(vs.map((v) => [v.version, v.actor, v.source]), [[2, 'bob', 'api'], [1, 'alice', 'api']]);
    assert.match(vs[0]!.diff, /~ rule "r1": effect: "deny" -> "allow"/);
    assert.match(vs[0]!.diff, /\+ rule "r2"/);
    assert.equal(evaluate(svc.current().compiled, input).effect, 'allow');
    await svc.rollback(1, 'carol');
    assert.equal(svc.current().version, 3);
    assert.equal(evaluate(svc.current().compiled, input).effect, 'deny');
    const v3 = (await svc.versions())[0]!;
    assert.deepEqual([v3.source, v3.actor, v3.rolled_back_to], ['rollback', 'carol', 1]);
    await assert.rejects(svc.rollback(99, 'x'), /policy version 99 does not exist/);
    await assert.rejects(svc.apply({ policies: { rules: [{ id: 'r1', effect: 'nope' }] } }, 'x'), /rules\[0\] "r1": effect/);
    assert.equal(svc.current().version, 3, 'a rejected change leaves the active version');
  } finally {
    await svc.stop();
    await store.close();
  }
});

test('file: applied at start, a change applies within 1 s, an invalid change is rejected whole and the previous version stays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-pol-'));
  const file = join(dir, 'flowlink.yaml');
  writeFileSync(file, yaml('deny'));
  const store = await openStore({ data: 'memory://' });
  const svc = createPolicyService({ store, file, logger: silentLogger });
  try {
    await svc.start();
    assert.equal(svc.current().version, 1);
    assert.equal(svc.current().source, 'yaml');
    assert.equal(evaluate(svc.current().compiled, input).effect, 'deny');

    const t0 = Date.now();
    // Editors often write a temp file and rename it over the original.
    writeFileSync(file + '.tmp', yaml('allow'));
    renameSync(file + '.tmp', file);
    await until('the file change', () => svc.current().version === 2, 1000);
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(evaluate(svc.current().compiled, input).effect, 'allow');

    writeFileSync(file, yaml('allow', '    - id: broken\n      effect: allow\n      when: { paths: [] }\n'));
    await until('the rejection', () => svc.status().lastError !== undefined, 1000);
    assert.match(svc.status().lastError!.message, /policies\.rules\[1\] "broken": when\.paths: /);
    assert.equal(svc.current().version, 2);
    assert.equal(evaluate(svc.current().compiled, input).effect, 'allow');

    // A change elsewhere in the file (not policies) makes no version.
    writeFileSync(file, yaml('allow').replace('7420', '7421'));
    await sleep(300);
    assert.equal(svc.current().version, 2);
  } finally {
    await svc.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a restart keeps API changes unless the file changed since it was last applied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-pol-'));
  const file = join(dir, 'flowlink.yaml');
  writeFileSync(file, yaml('deny'));
  const store = await openStore({ data: 'memory://' });
  try {
    const a = createPolicyService({ store, file, logger: silentLogger });
    await a.start();
    await a.apply({ policies: { rules: [{ id: 'api', effect: 'approve' }] } }, 'alice');
    await a.stop();
    const b = createPolicyService({ store, file, logger: silentLogger });
    await b.start();
    assert.equal(b.current().version, 2);
    assert.equal(evaluate(b.current().compiled, input).rule, 'api');
    await b.stop();
    writeFileSync(file, yaml('allow'));
    const c = createPolicyService({ store, file, logger: silentLogger });
    await c.start();
    assert.equal(c.current().version, 3);
    assert.equal(evaluate(c.current().compiled, input).rule, 'k8s');
    await c.stop();
    writeFileSync(file, 'policies: { rules: [ { id: x } ] }\n');
    const d = createPolicyService({ store, file, logger: silentLogger });
    await d.start();
    assert.equal(d.current().version, 3, 'a bad file at start falls back to the stored version');
    assert.match(d.status().lastError!.message, /rules\[0\] "x": effect/);
    await d.stop();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const fresh = await openStore({ data: 'memory://' });
  const dir2 = mkdtempSync(join(tmpdir(), 'fl-pol-'));
  try {
    writeFileSync(join(dir2, 'p.yaml'), 'policies: { rules: [ { id: x } ] }\n');
    const e = createPolicyService({ store: fresh, file: join(dir2, 'p.yaml'), logger: silentLogger });
    await assert.rejects(e.start(), /rules\[0\] "x": effect/, 'with nothing to fall back on, start fails');
    await e.stop();
  } finally {
    await fresh.close();
    rmSync(dir2, { recursive: true, force: true });
  }
});

test('hot reload under load: evaluations never fail or see a half-applied set', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-pol-'));
  const file = join(dir, 'flowlink.yaml');
  writeFileSync(file, yaml('deny'));
  const store = await openStore({ data: 'memory://' });
  const svc = createPolicyService({ store, file, logger: silentLogger, debounceMs: 20 });
  try {
    await svc.start();
    let evaluations = 0;
    let stop = false;
    const seen = new Set<string>();
    const load = (async () => {
      while (!stop) {
        for (let i = 0; i < 200; i++) {
          const active = svc.current();
          const d = evaluate(active.compiled, input);
          // Each version's document says one effect for every rule; a mix would mean a torn read.
          const expected = active.document.policies.rules[0]!.effect;
          assert.equal(d.effect, expected);
          seen.add(d.effect);
          evaluations++;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      for (let i = 0; i < 6; i++) {
        const before = svc.current().version;
        writeFileSync(file, yaml(i % 2 === 0 ? 'allow' : 'deny'));
        await until(`version ${before + 1}`, () => svc.current().version === before + 1, 1500);
        if (i % 3 === 0) await svc.apply({ policies: { rules: [{ id: 'k8s', effect: 'approve' }] } }, 'api').then(() => svc.rollback(svc.current().version - 1, 'api'));
      }
    } finally {
      stop = true;
      await load;
    }
    assert.ok(evaluations > 1000, `ran ${evaluations} evaluations`);
    assert.ok(seen.has('allow') && seen.has('deny'), 'both file versions were seen while under load');
  } finally {
    await svc.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('postgres: a change made by one instance reaches another through NOTIFY', async () => {
  const a = await pgStore();
  const schemaUrlStore = a;
  const sa = createPolicyService({ store: schemaUrlStore, logger: silentLogger });
  // A second connection pool on the same schema stands for a second FlowLink instance.
  const rows = await a.query<{ s: string }>('SELECT current_schema() AS s');
  const b = await openStore({ url: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${rows[0]!.s}`)}`, data: '' });
  const sb = createPolicyService({ store: b, logger: silentLogger });
  try {
    await sa.start();
    await sb.start();
    await sa.apply({ policies: { rules: [{ id: 'from-a', effect: 'deny' }] } }, 'alice');
    await until('instance b to follow', () => sb.current().version === 1, 2000);
    assert.equal(evaluate(sb.current().compiled, input).rule, 'from-a');
    await sb.rollback(1, 'bob');
    await until('instance a to follow', () => sa.current().version === 2, 2000);
  } finally {
    await sa.stop();
    await sb.stop();
    await a.close();
    await b.close();
  }
});
