import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { openStore } from '../../src/store/open.ts';
import { createArgon2Hasher } from '../../src/identity/passwords.ts';

async function run(args: string[], cwd: string, stdin: string) {
  return runCli(args, { env: { ...process.env, DATABASE_URL: '' }, cwd, stdin });
}

test('flowlink admin create reads the password from stdin and makes an owner of the default org', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-admin-'));
  try {
    const data = join(dir, 'data');
    const weak = await run(['admin', 'create', '--email', 'ops@example.test', '--data', data], dir, 'short\n');
    assert.equal(weak.code, 1);
    assert.match(weak.err, /at least 12 characters/);
    const ok = await run(['admin', 'create', '--email', 'Ops@Example.test', '--data', data, '--json'], dir, 'a long enough passphrase\n');
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual({ ...JSON.parse(ok.out), id: undefined }, { id: undefined, email: 'ops@example.test', org: 'default', role: 'owner' });
    assert.ok(!ok.out.includes('passphrase'));
    const again = await run(['admin', 'create', '--email', 'ops@example.test', '--data', data], dir, 'a long enough passphrase\n');
    assert.match(again.err, /already exists/);
    assert.equal((await run(['admin', 'create', '--data', data], dir, 'x\n')).code, 2, '--email is required');
    const store = await openStore({ data });
    try {
      const [u] = await store.query<{ password_hash: string }>("SELECT password_hash FROM users WHERE email = 'ops@example.test'");
      assert.match(u!.password_hash, /^\$argon2id\$/);
      assert.ok(await createArgon2Hasher().verify(u!.password_hash, 'a long enough passphrase'));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
