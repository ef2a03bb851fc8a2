import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadMasterKey, MASTER_KEY_ENV, MASTER_KEY_FILE_ENV } from '../../src/secrets/master-key.ts';

test('a good key from the environment is accepted', () => {
  const r = loadMasterKey({ env: { [MASTER_KEY_ENV]: randomBytes(32).toString('base64') }, demo: false });
  assert.ok(r.ok);
  assert.equal(r.source, 'env');
});

test('missing, malformed and weak keys are refused outside demo mode, without echoing the key', () => {
  const missing = loadMasterKey({ env: {}, demo: false });
  assert.equal(missing.ok, false);
  assert.equal(!missing.ok && missing.code, 'missing');
  for (const [text, code] of [
    ['not-base64!', 'malformed'],
    [randomBytes(16).toString('base64'), 'malformed'],
    [Buffer.alloc(32, 65).toString('base64'), 'weak'],
    [Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64'), 'weak'],
    [Buffer.from('aaaabbbbccccddddaaaabbbbccccdddd').toString('base64'), 'weak'],
  ] as const) {
    const r = loadMasterKey({ env: { [MASTER_KEY_ENV]: text }, demo: false });
    assert.equal(r.ok, false, text);
    assert.equal(!r.ok && r.code, code, text);
    assert.ok(!r.ok && !r.message.includes(text), 'the message never contains the key');
  }
});

test('key files must be private; demo mode generates one with mode 0600 and warns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-mk-'));
  const file = join(dir, 'k');
  writeFileSync(file, randomBytes(32).toString('base64'));
  chmodSync(file, 0o644);
  const open = loadMasterKey({ env: { [MASTER_KEY_FILE_ENV]: file }, demo: false });
  assert.equal(!open.ok && open.code, 'file_permissions');
  chmodSync(file, 0o600);
  assert.ok(loadMasterKey({ env: { [MASTER_KEY_FILE_ENV]: file }, demo: false }).ok);

  const data = join(dir, 'data');
  const demo = loadMasterKey({ env: {}, demo: true, dataDir: data });
  assert.ok(demo.ok && demo.source === 'demo-file' && demo.warning);
  assert.equal(statSync(join(data, 'master.key')).mode & 0o777, 0o600);
  const again = loadMasterKey({ env: {}, demo: true, dataDir: data });
  assert.ok(again.ok && demo.ok && again.key.equals(demo.key), 'the generated key is reused');
  assert.equal(readFileSync(join(data, 'master.key'), 'utf8').trim().length, 44);
});
