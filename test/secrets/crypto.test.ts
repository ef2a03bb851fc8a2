import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  decryptValue, encryptValue, fingerprint, generateOrgKeyPair, openPrivateKey, publicKeyOf, rewrapDataKey, sealPrivateKey, unwrapDataKey, secretAd, SecretCryptoError, type Rand,
} from '../../src/secrets/crypto.ts';

/** A deterministic byte source: sha256(seed:counter) blocks. */
function det(seed: string): Rand {
  let i = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let o = 0; o < n; o += 32) createHash('sha256').update(`${seed}:${i++}`).digest().copy(out, o);
    return out;
  };
}

const hex = (b: Buffer) => b.toString('hex');
const AD = { orgId: 'org_A', name: 'DB_PASSWORD', version: 1 };
const VALUE = Buffer.from('hunter2-correct-horse');
const MASTER = Buffer.alloc(32, 7).map((b, i) => b + i * 13) as Buffer;

test('X25519 public keys match RFC 7748 section 6.1', () => {
  const alice = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
  assert.equal(hex(publicKeyOf(alice)), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
});

test('fixed vector: key pair, value encryption and data-key wrap are deterministic given the randomness', () => {
  const pair = generateOrgKeyPair(det('org'));
  assert.equal(hex(pair.publicKey), 'c6538b7601be124de4d8edef452ac9056072a0de647b5e69304723a7e2e4d773');
  assert.equal(fingerprint(pair.publicKey), '8db141db428c3310d2c8059f78cf3d62');
  const s = encryptValue(VALUE, AD, pair.publicKey, det('value'));
  assert.equal(hex(s.nonce), 'ac73d0a37880347f29c7e676');
  assert.equal(hex(s.ciphertext), '8c2d7f8b5cf670c9dab397509c7e7a00664d1d9fc77cda0d973b2050c9dab3d068c46e7f6d');
  assert.equal(hex(s.key.epk), 'dd1fcc01a86e656d34254f710b544c848d9d1253bd947d7e4f361e16cb17280d');
  assert.equal(hex(s.key.nonce), '02fc4b635c092b5068244b3e');
  assert.equal(hex(s.key.wrapped), '25c059a933ccf487b801411e6308fa0aa280537920f381d94d2d0d5e9f9d142b71b5027f50fb3bff589a24db49922cf7');
  assert.deepEqual(decryptValue(s, AD, pair.privateKey), VALUE);
  const sp = sealPrivateKey(pair.privateKey, MASTER, 'org_A', 'sk_1', det('master'));
  assert.equal(hex(sp.nonce), '03b498048f02921c82f98c7e');
  assert.equal(hex(sp.ciphertext), 'c15b56a2841cd110b4529b11165b8cd855be92024942db50bba4698d3d571bbce258b9a548b17d05ea3351121b0e3219');
  assert.deepEqual(openPrivateKey(sp, MASTER, 'org_A', 'sk_1'), pair.privateKey);
});

test('tampered ciphertext, tag, wrapped key or ephemeral key fail with one error', () => {
  const pair = generateOrgKeyPair();
  const s = encryptValue(VALUE, AD, pair.publicKey);
  const flip = (b: Buffer, i: number) => {
    const c = Buffer.from(b);
    c[i] = c[i]! ^ 1;
    return c;
  };
  for (const bad of [
    { ...s, ciphertext: flip(s.ciphertext, 0) },
    { ...s, ciphertext: flip(s.ciphertext, s.ciphertext.length - 1) },
    { ...s, nonce: flip(s.nonce, 3) },
    { ...s, ciphertext: s.ciphertext.subarray(0, 10) },
    { ...s, key: { ...s.key, wrapped: flip(s.key.wrapped, 5) } },
    { ...s, key: { ...s.key, epk: flip(s.key.epk, 9) } },
    { ...s, key: { ...s.key, nonce: flip(s.key.nonce, 0) } },
  ]) {
    assert.throws(() => decryptValue(bad, AD, pair.privateKey), SecretCryptoError);
  }
});

test('wrong associated data (org, name, version) fails', () => {
  const pair = generateOrgKeyPair();
  const s = encryptValue(VALUE, AD, pair.publicKey);
  for (const ad of [{ ...AD, orgId: 'org_B' }, { ...AD, name: 'DB_PASSWORD2' }, { ...AD, version: 2 }]) {
    assert.throws(() => decryptValue(s, ad, pair.privateKey), SecretCryptoError);
  }
  // Length-prefixed: moving a character between fields changes the associated data.
  assert.notDeepEqual(secretAd({ orgId: 'ab', name: 'c', version: 1 }), secretAd({ orgId: 'a', name: 'bc', version: 1 }));
});

test('wrong org key fails; the private key sealed under another master key or org does not open', () => {
  const a = generateOrgKeyPair();
  const b = generateOrgKeyPair();
  const s = encryptValue(VALUE, AD, a.publicKey);
  assert.throws(() => decryptValue(s, AD, b.privateKey), SecretCryptoError);
  const sp = sealPrivateKey(a.privateKey, MASTER, 'org_A', 'sk_1');
  assert.throws(() => openPrivateKey(sp, Buffer.alloc(32, 9), 'org_A', 'sk_1'), SecretCryptoError);
  assert.throws(() => openPrivateKey(sp, MASTER, 'org_B', 'sk_1'), SecretCryptoError);
  assert.throws(() => openPrivateKey(sp, MASTER, 'org_A', 'sk_2'), SecretCryptoError);
});

test('rewrap moves the data key to a new org key without touching the value ciphertext', () => {
  const oldK = generateOrgKeyPair();
  const newK = generateOrgKeyPair();
  const s = encryptValue(VALUE, AD, oldK.publicKey);
  const moved = { ...s, key: rewrapDataKey(s.key, oldK.privateKey, newK.publicKey, AD) };
  assert.deepEqual(decryptValue(moved, AD, newK.privateKey), VALUE);
  assert.throws(() => decryptValue(moved, AD, oldK.privateKey), SecretCryptoError);
  assert.throws(() => unwrapDataKey(moved.key, newK.privateKey, secretAd({ ...AD, version: 9 })), SecretCryptoError);
  assert.equal(moved.ciphertext, s.ciphertext);
});
