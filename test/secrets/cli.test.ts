import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli } from '../helpers/cli.ts';
import { openStore } from '../../src/store/open.ts';
import { createAgentService } from '../../src/identity/agents.service.ts';
import { ROOT, privatePgUrl } from '../helpers/flowlink.ts';
import { assertNoLeak } from './harness.ts';

// `flowlink secret …` as an operator runs it: spawned, value on stdin, against PostgreSQL.
const BIN = resolve(ROOT, 'bin/flowlink.js');
const VALUE = `cli-S3cret value/+=${randomBytes(10).toString('base64url')}`;
let dir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fl-secret-cli-'));
  writeFileSync(join(dir, 'flowlink.yaml'), 'servers: {}\n');
  env = { ...process.env, DATABASE_URL: await privatePgUrl(), FLOWLINK_MASTER_KEY: randomBytes(32).toString('base64') };
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function spawnCli(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, 'secret', ...args], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => done({ code: code ?? -1, out, err }));
    p.stdin.end(stdin ?? '');
  });
}

/** The same CLI in this process (no tsx start-up): for the steps whose spawning adds nothing. */
async function inProcess(args: string[], stdin = '') {
  return runCli(['secret', ...args], { env, cwd: dir, stdin });
}

test('a value on the command line is refused with a clear error (and not echoed); --help explains stdin', async () => {
  const [help, positional, flag, assignment] = await Promise.all([
    spawnCli(['--help']),
    spawnCli(['set', 'DB_PASS', VALUE]),
    spawnCli(['set', 'DB_PASS', `--value=${VALUE}`]),
    spawnCli(['set', `DB_PASS=${VALUE}`]),
  ]);
  assert.equal(help.code, 0);
  assert.match(help.out, /read from standard input/);
  assert.match(help.out, /secret keys setup \| verify \| rotate/);
  for (const r of [positional, flag, assignment]) {
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /reads the value from standard input, never from the command line/);
    assertNoLeak(r.out + r.err, VALUE, 'the refusal');
  }
});

test('set reads stdin, list and versions show metadata only, grants, keys, rotate with progress, delete with --yes; the value is nowhere', async () => {
  const set = await spawnCli(['set', 'DB_PASS'], `${VALUE}\n`);
  assert.equal(set.code, 0, set.err);
  assert.match(set.out, /Secret DB_PASS created: version 1/);
  const empty = await inProcess(['set', 'EMPTY']);
  assert.equal(empty.code, 2);
  assert.match(empty.err, /no value on standard input/);
  const again = await inProcess(['set', 'DB_PASS', '--json'], `${VALUE}-2`);
  assert.deepEqual(JSON.parse(again.out), { name: 'DB_PASS', version: 2, created: false, backend: 'builtin' });
  const ref = await inProcess(['set', 'FROM_VAULT', '--backend', 'vault:kv/data/prod/db#password']);
  assert.equal(ref.code, 0, ref.err);
  const badRef = await inProcess(['set', 'BAD_REF', '--backend', 'vault:nope']);
  assert.equal(badRef.code, 2);
  assert.match(badRef.err, /vault:kv\/data\/prod\/db#password/);

  const list = await spawnCli(['list', '--json']);
  assert.equal(list.code, 0, list.err);
  const rows = JSON.parse(list.out) as { name: string; version: number; backend: string; reference: string | null }[];
  assert.deepEqual(rows.map((r) => [r.name, r.version, r.backend, r.reference]), [['DB_PASS', 2, 'builtin', null], ['FROM_VAULT', 1, 'vault', 'vault:kv/data/prod/db#password']]);
  const versions = await inProcess(['versions', 'DB_PASS', '--json']);
  assert.deepEqual(JSON.parse(versions.out).map((v: { version: number; createdBy: string }) => v.version), [1, 2]);
  assert.match(JSON.parse(versions.out)[0].createdBy, /^user:cli:/);
  const other = await inProcess(['set', 'DB_PASS', '--org', 'no-such-org'], 'some-value');
  assert.equal(other.code, 1);
  assert.match(other.err, /no organization named "no-such-org"/);
  const teamStore = await openStore({ url: env.DATABASE_URL!, data: '' });
  await createAgentService({ store: teamStore }).ensureOrg('team-b');
  await teamStore.close();
  assert.equal((await inProcess(['set', 'TEAM_ONLY', '--org', 'team-b'], 'team-b-value')).code, 0);
  assert.deepEqual(JSON.parse((await inProcess(['list', '--org', 'team-b', '--json'])).out).map((r: { name: string }) => r.name), ['TEAM_ONLY']);
  assert.ok(!(await inProcess(['list', '--json'])).out.includes('TEAM_ONLY'), "the default org does not see team-b's names");
  const text = await inProcess(['list']);
  assert.match(text.out, /^NAME\s+VERSION\s+BACKEND/);

  const add = await inProcess(['grant', 'add', '--secret', 'DB_*', '--agent-label', 'team=ops', '--agent', 'deploy-bot', '--server', 'postgres*', '--tool', 'query', '--json']);
  assert.equal(add.code, 0, add.err);
  const grant = JSON.parse(add.out);
  assert.deepEqual([grant.secret, grant.agents, grant.agentLabels, grant.servers, grant.tools], ['DB_*', ['deploy-bot'], { team: 'ops' }, ['postgres*'], ['query']]);
  const noSubject = await inProcess(['grant', 'add', '--secret', 'DB_*', '--server', 'x']);
  assert.equal(noSubject.code, 2);
  assert.match(noSubject.err, /agents or agentLabels/);
  assert.equal(JSON.parse((await inProcess(['grant', 'list', '--json'])).out).grants.length, 1);
  assert.equal((await inProcess(['grant', 'remove', grant.id])).code, 0);
  assert.equal(JSON.parse((await inProcess(['grant', 'list', '--json'])).out).grants.length, 0);

  const verify = await inProcess(['keys', 'verify', '--json']);
  assert.equal(JSON.parse(verify.out).ok, true);
  const rotate = await spawnCli(['keys', 'rotate']);
  assert.equal(rotate.code, 0, rotate.err);
  const progress = rotate.out.split('\n').filter((l) => l.startsWith('re-wrapping:'));
  assert.ok(progress.length >= 2, rotate.out);
  assert.match(progress.at(-1)!, /2 of 2 data keys moved to the new key, 0 left/);
  assert.match(rotate.out, /Rotated: key sk_.* retired sk_/);
  const status = JSON.parse((await inProcess(['keys', 'status', '--json'])).out);
  assert.deepEqual(status.keys.map((k: { state: string; wrappedKeys: number }) => [k.state, k.wrappedKeys]), [['retired', 0], ['active', 2]]);

  const noYes = await inProcess(['delete', 'DB_PASS']);
  assert.equal(noYes.code, 2);
  assert.match(noYes.err, /--yes/);
  const del = await inProcess(['delete', 'DB_PASS', '--yes']);
  assert.equal(del.code, 0, del.err);
  const missing = await inProcess(['versions', 'NOPE']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no secret named "NOPE"/);

  const store = await openStore({ url: env.DATABASE_URL!, data: '' });
  try {
    const tables = await store.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()');
    let dump = '';
    for (const t of tables) dump += JSON.stringify(await store.query(`SELECT * FROM ${t.tablename}`));
    assertNoLeak(dump, VALUE, 'the database');
    const kinds = (await store.query<{ kind: string }>("SELECT kind FROM audit_events WHERE kind LIKE 'secret.%'")).map((r) => r.kind);
    for (const k of ['secret.set', 'secret.grant.added', 'secret.grant.removed', 'secret.keys.rotated', 'secret.keys.retired', 'secret.deleted']) assert.ok(kinds.includes(k), k);
  } finally {
    await store.close();
  }
});

test('on a terminal the value is asked for without echo', async () => {
  const typed = `typed-${randomBytes(8).toString('hex')}`;
  // `script` gives the CLI a real pseudo-terminal; the value is typed only once the prompt is shown.
  const cmd = `${process.execPath} ${BIN} secret set TTY_SECRET`;
  const r = await new Promise<{ code: number; out: string }>((done) => {
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    p.stdout.on('data', (d) => {
      out += d;
      if (!sent && out.includes('(input hidden): ')) {
        sent = true;
        p.stdin.write(`${typed}\r`);
      }
    });
    p.on('close', (code) => done({ code: code ?? -1, out }));
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Secret TTY_SECRET created/);
  assert.ok(!r.out.includes(typed), 'the typed value is not echoed: ' + JSON.stringify(r.out));
  const check = await inProcess(['check', 'TTY_SECRET', '--json']);
  assert.equal(JSON.parse(check.out).resolvable, true, check.err);
});
