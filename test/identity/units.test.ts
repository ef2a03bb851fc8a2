import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPassword, normalizeEmail } from '../../src/identity/passwords.ts';
import { matchTotp, totpAt, newTotpSecret, newRecoveryCodes, hashRecoveryCode, TOTP_PERIOD_S } from '../../src/identity/totp.ts';
import { parseScopes, scopeAllows, serverAllowed } from '../../src/identity/scopes.ts';
import { can, mayAssign, ROLES } from '../../src/identity/roles.ts';
import { ErrorCodes } from '../../src/lib/errors.ts';

test('password policy', () => {
  assert.ok(checkPassword('correct horse battery staple', 'a@b.cd').ok);
  for (const bad of ['short1!', 'x'.repeat(129), 'abababababababab', 'Password1234567', 'anastasia-2026-!!', 'qwerty123456789']) assert.ok(!checkPassword(bad, 'anastasia@example.test').ok, bad);
  assert.equal(normalizeEmail('  Ana@Example.TEST '), 'ana@example.test');
  assert.equal(normalizeEmail('no-at-sign'), undefined);
});

test('TOTP: drift window, replay guard by step', () => {
  const key = newTotpSecret();
  const now = 1_800_000_000_000;
  const step = Math.floor(now / 1000 / TOTP_PERIOD_S);
  assert.equal(matchTotp(key, totpAt(key, step), now, 0), step);
  assert.equal(matchTotp(key, totpAt(key, step - 1), now, 0), step - 1, 'one step of drift');
  assert.equal(matchTotp(key, totpAt(key, step - 2), now, 0), undefined);
  assert.equal(matchTotp(key, totpAt(key, step), now, step), undefined, 'already used');
  assert.equal(matchTotp(key, totpAt(key, step - 1), now, step - 1), undefined);
  assert.equal(matchTotp(key, 'abcdef', now, 0), undefined);
  const codes = newRecoveryCodes();
  assert.equal(new Set(codes).size, 10);
  assert.equal(hashRecoveryCode(codes[0]!.toUpperCase()), hashRecoveryCode(codes[0]!.replace('-', '')));
});

test('scopes', () => {
  const s = { servers: ['git*'], tools: ['read_*', 'fs/list_*'] };
  assert.ok(scopeAllows(s, 'github', 'read_file'));
  assert.ok(!scopeAllows(s, 'github', 'write_file'));
  assert.ok(scopeAllows(s, 'fs', 'list_dir'));
  assert.ok(!scopeAllows(s, 'fs', 'read_file'), 'fs is reachable only through its pair');
  assert.ok(serverAllowed(s, 'fs') && !serverAllowed(s, 'db'));
  assert.ok(!scopeAllows({ servers: ['git.hub'], tools: ['*'] }, 'gitXhub', 'x'), 'a dot is literal');
  assert.ok(!scopeAllows({ servers: ['git'], tools: ['*'] }, 'github', 'x'), 'anchored at both ends');
  assert.ok(!parseScopes({ servers: ['a b'] }).ok);
  assert.ok(!parseScopes({ servers: 'x' }).ok);
  assert.deepEqual(parseScopes(undefined), { ok: true, value: { servers: ['*'], tools: ['*'] } });
});

test('roles', () => {
  assert.ok(can('auditor', 'audit.read') && !can('auditor', 'agents.manage'));
  assert.ok(can('approver', 'approvals.decide') && !can('viewer', 'approvals.decide'));
  assert.ok(mayAssign('owner', 'owner') && !mayAssign('admin', 'admin') && mayAssign('admin', 'viewer') && !mayAssign('viewer', 'viewer'));
  for (const r of ROLES) assert.ok(can(r, 'org.read'));
});

test('the new error codes exist with their statuses', () => {
  assert.equal(ErrorCodes.invalid_credentials.http, 401);
  assert.equal(ErrorCodes.csrf_failed.http, 403);
  assert.equal(ErrorCodes.invalid_token.http, 400);
  assert.equal(ErrorCodes.mfa_enrollment_required.http, 403);
});
