import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { openStore } from '../../src/store/open.ts';
import { createAgentService, DEFAULT_ORG } from '../../src/identity/agents.service.ts';
import { chainRows, seedLog } from './helpers.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';
import { usersRepo } from '../../src/identity/accounts.repo.ts';
import { membersRepo } from '../../src/identity/orgs.repo.ts';

async function run(args: string[], cwd: string) {
  return runCli(args, { env: { ...process.env, DATABASE_URL: '', FLOWLINK_AUDIT_SIGNING_KEY: '' }, cwd });
}

test('flowlink audit: checkpoint export, verify, truncation found with the exported checkpoint, key rotation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-audit-cli-'));
  const data = join(dir, 'data');
  try {
    let store = await openStore({ data });
    const org = await createAgentService({ store }).ensureOrg(DEFAULT_ORG);
    await seedLog(store, org.id, 300);
    await store.close();

    const cp = await run(['audit', 'checkpoint', '--data', data, '--export', 'cp.json'], dir);
    assert.equal(cp.code, 0, cp.err);
    const exported = JSON.parse(readFileSync(join(dir, 'cp.json'), 'utf8'));
    assert.equal(exported.seq, 300);
    const keyFiles = readdirSync(join(data, 'audit-keys'));
    assert.equal(keyFiles.length, 1);
    assert.equal(statSync(join(data, 'audit-keys', keyFiles[0]!)).mode & 0o777, 0o600, 'private key file is 0600');
    assert.equal(statSync(join(data, 'audit-keys')).mode & 0o777, 0o700);
    assert.ok(!cp.err.includes('PRIVATE KEY') && !JSON.stringify(exported).includes('PRIVATE'), 'no private key material in output');

    const ok = await run(['audit', 'verify', '--data', data], dir);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /default: intact, records 1\.\.300 \(300, 1 checkpoint\)/);

    const json = await run(['audit', 'verify', '--data', data, '--json', '--from', '250'], dir);
    assert.equal(JSON.parse(json.out).orgs[0].records, 51);

    // Truncate the tail and remove the stored checkpoints: only the exported file can tell.
    store = await openStore({ data });
    await store.query('DELETE FROM audit_events WHERE org_id = $1 AND seq > 280', [org.id]);
    await store.query('DELETE FROM audit_checkpoints');
    await store.close();
    assert.equal((await run(['audit', 'verify', '--data', data], dir)).code, 0);
    const bad = await run(['audit', 'verify', '--data', data, '--checkpoint', 'cp.json'], dir);
    assert.equal(bad.code, 4, bad.out + bad.err);
    assert.match(bad.out, /default: TAMPERED/);
    assert.match(bad.out, /seq 281 {2}truncated: the log ends at seq 280 but the exported checkpoint .* covers seq 300/);

    const rot = await run(['audit', 'keys', 'rotate', '--data', data], dir);
    assert.equal(rot.code, 0, rot.err);
    const list = await run(['audit', 'keys', 'list', '--data', data], dir);
    assert.equal(list.out.trim().split('\n').length, 3, list.out);
    assert.match(list.out, /retired/);
    assert.equal((await run(['audit', 'nope', '--data', data], dir)).code, 2);
    assert.equal((await run(['audit', 'verify', '--from', '0', '--data', data], dir)).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flowlink audit retention: set, show, request-purge; the requester cannot approve; another member approves; verify stays intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-ret-cli-'));
  const data = join(dir, 'data');
  try {
    const store = await openStore({ data });
    const org = await createAgentService({ store }).ensureOrg(DEFAULT_ORG);
    for (const [id, email, role] of [['u_admin', 'admin@example.test', 'admin'], ['u_aud', 'auditor@example.test', 'auditor'], ['u_view', 'viewer@example.test', 'viewer']] as const) {
      await usersRepo.insert(store, { id, email, name: id, passwordHash: null });
      await membersRepo.add(store, org.id, id, role);
    }
    // 30 records from two months ago, then 5 recent ones on the same chain.
    const old = chainRows(org.id, 30, 1, undefined, 'evt_cli_', Date.now() - 60 * 86_400_000);
    await auditRepo.append(store, [...old, ...chainRows(org.id, 5, 31, old[29]!.hash, 'evt_new_', Date.now() - 31_000)], []);
    await store.close();
    const r = (args: string[]) => run(['audit', 'retention', ...args, '--data', data], dir);

    assert.match((await run(['audit', '--help'], dir)).out, /retention approve-purge ID --as EMAIL/);
    assert.equal((await r(['set', '30'])).code, 2, '--as is required');
    assert.equal((await r(['set', '30', '--as', 'viewer@example.test'])).code, 1, 'a viewer may not');
    assert.equal((await r(['set', '30', '--as', 'nobody@example.test'])).code, 1);
    const set = await r(['set', '30', '--as', 'admin@example.test']);
    assert.equal(set.code, 0, set.err);
    const show = JSON.parse((await r(['show', '--json'])).out);
    assert.equal(show.days, 30);
    assert.equal(show.due.events, 30);

    const req = await r(['request-purge', '--as', 'admin@example.test', '--json']);
    assert.equal(req.code, 0, req.err);
    const id = JSON.parse(req.out).id as string;
    const self = await r(['approve-purge', id, '--as', 'admin@example.test']);
    assert.equal(self.code, 1);
    assert.match(self.err, /second person/);
    assert.equal(JSON.parse((await r(['show', '--json'])).out).due.events, 30, 'still there');

    const ok = await r(['approve-purge', id, '--as', 'auditor@example.test', '--export', 'purged.jsonl']);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /exported 30 records to purged\.jsonl/);
    const exported = readFileSync(join(dir, 'purged.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(exported.map((e) => e.seq), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.equal(statSync(join(dir, 'purged.jsonl')).mode & 0o777, 0o600);
    assert.match(ok.out, /Purged 30 records .* begins at seq 31/);
    const table = await r(['show']);
    assert.match(table.out, /The chain begins at seq 31/);
    assert.match(table.out, new RegExp(`${id}\\s+executed`));

    const v = await run(['audit', 'verify', '--data', data], dir);
    assert.equal(v.code, 0, v.out + v.err);
    assert.match(v.out, /default: intact, records 31\.\./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
