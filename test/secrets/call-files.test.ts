import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createCallFiles } from '../../src/secrets/call-files.ts';

test('per-call folders are private (0700/0600), removed per call; dead processes’ folders are swept, live ones kept', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fl-callfiles-'));
  try {
    const dead = join(root, 'flowlink-secrets-999999-abc123');
    const live = join(root, 'flowlink-secrets-424242-def456');
    const unrelated = join(root, 'something-else');
    for (const d of [dead, live, unrelated]) {
      mkdirSync(join(d, 'call-x'), { recursive: true });
      writeFileSync(join(d, 'call-x', 'AWS_CREDS'), 'left behind by a crash');
    }
    const files = createCallFiles({ root, isAlive: (pid) => pid === 424242 });
    assert.equal(await files.sweep(), 1);
    assert.equal(existsSync(dead), false, 'the dead process’s credential files are gone');
    assert.equal(existsSync(live), true, 'a running FlowLink’s folder is left alone');
    assert.equal(existsSync(unrelated), true);

    const a = await files.write([['DB', 'value-one'], ['KUBE', 'value-two'], ['DB', 'ignored duplicate']]);
    const b = await files.write([['DB', 'value-three']]);
    assert.notEqual(a.dir, b.dir);
    assert.equal(dirname(a.dir), dirname(b.dir), 'one process folder');
    assert.match(dirname(a.dir), new RegExp(`flowlink-secrets-${process.pid}-`));
    assert.equal(statSync(a.dir).mode & 0o777, 0o700);
    assert.equal(statSync(dirname(a.dir)).mode & 0o777, 0o700);
    assert.equal(statSync(a.paths.get('DB')!).mode & 0o777, 0o600);
    assert.equal(readFileSync(a.paths.get('DB')!, 'utf8'), 'value-one');
    await files.remove(a.dir);
    assert.equal(existsSync(a.dir), false);
    assert.equal(existsSync(b.dir), true, 'other calls keep theirs');
    assert.equal(await files.sweep(), 0, 'never sweeps its own folder');
    await files.dispose();
    assert.equal(existsSync(dirname(b.dir)), false, 'stopping removes what is left');
    assert.deepEqual(readdirSync(root).sort(), ['flowlink-secrets-424242-def456', 'something-else']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
