import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/index.ts';
import { openStore } from '../../src/store/open.ts';
import { createAgentService, DEFAULT_ORG } from '../../src/identity/agents.service.ts';
import { seedLog } from './helpers.ts';

async function run(args: string[], cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr, env: { ...process.env, DATABASE_URL: '', FLOWLINK_AUDIT_SIGNING_KEY: '' }, cwd });
  return { code, out, err };
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
