import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/store.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { keyIdOf, publicKeyB64, type SigningKey } from './checkpoint.ts';
import { checkpointRepo } from './checkpoint.repo.ts';

/** The environment variable that supplies the signing key instead of the data folder (PKCS#8, PEM or base64 DER). */
export const SIGNING_KEY_ENV = 'FLOWLINK_AUDIT_SIGNING_KEY';

/**
 * Checkpoint signing keys. Public keys are stored in `audit_signing_keys` so any copy of
 * the database can verify; private keys never enter the database: they live in
 * `<data>/audit-keys/<id>.key` (folder 0700, files 0600), or come from
 * FLOWLINK_AUDIT_SIGNING_KEY (then rotation is done by changing the variable). Without a
 * folder (in-memory stores) a key is generated per process.
 *
 * The active key is the newest unretired key whose private part this instance holds; the
 * first one is created on demand.
 */
export function createAuditKeys(deps: { store: Store; dir?: string | undefined; envKey?: string | undefined }) {
  const { store } = deps;
  const keyDir = deps.dir ? join(deps.dir, 'audit-keys') : undefined;
  const memory = new Map<string, SigningKey>();
  let cached: SigningKey | undefined;

  function fromPrivate(privateKey: KeyObject): SigningKey {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new FlowLinkError('config_invalid', `${SIGNING_KEY_ENV} must be an Ed25519 private key`);
    const publicKey = createPublicKey(privateKey);
    return { id: keyIdOf(publicKey), privateKey, publicKey };
  }

  function parseEnv(text: string): SigningKey {
    try {
      const t = text.trim();
      return fromPrivate(t.startsWith('-----') ? createPrivateKey(t) : createPrivateKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'pkcs8' }));
    } catch (err) {
      if ((err as { code?: string }).code === 'config_invalid') throw err;
      throw new FlowLinkError('config_invalid', `${SIGNING_KEY_ENV} is not a PKCS#8 Ed25519 private key (PEM or base64 DER)`);
    }
  }

  function load(id: string): SigningKey | undefined {
    const m = memory.get(id);
    if (m) return m;
    if (!keyDir || !/^ak_[0-9a-f]{20}$/.test(id)) return undefined;
    const file = join(keyDir, `${id}.key`);
    if (!existsSync(file)) return undefined;
    const key = fromPrivate(createPrivateKey(readFileSync(file, 'utf8')));
    return key.id === id ? key : undefined;
  }

  async function create(): Promise<SigningKey> {
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = fromPrivate(privateKey);
    if (keyDir) {
      mkdirSync(keyDir, { recursive: true, mode: 0o700 });
      chmodSync(keyDir, 0o700);
      writeFileSync(join(keyDir, `${key.id}.key`), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } else {
      memory.set(key.id, key);
    }
    await checkpointRepo.insertKey(store, { id: key.id, public_key: publicKeyB64(key.publicKey) });
    return key;
  }

  return {
    /** True when the key comes from the environment (rotation then means changing the variable). */
    get fromEnv() {
      return Boolean(deps.envKey);
    },
    async active(): Promise<SigningKey> {
      if (cached) return cached;
      if (deps.envKey) {
        const key = parseEnv(deps.envKey);
        await checkpointRepo.insertKey(store, { id: key.id, public_key: publicKeyB64(key.publicKey) });
        return (cached = key);
      }
      for (const row of await checkpointRepo.keys(store)) {
        if (row.retired_at) continue;
        const key = load(row.id);
        if (key) return (cached = key);
      }
      return (cached = await create());
    },
    /** Makes a new key active and retires the others (they still verify old checkpoints). */
    async rotate(): Promise<{ id: string; previous: string | null }> {
      if (deps.envKey) throw new FlowLinkError('invalid_params', `the signing key comes from ${SIGNING_KEY_ENV}; rotate it by setting a new key there`);
      const before = cached ?? (await this.active());
      const key = await create();
      await checkpointRepo.retireOthers(store, key.id);
      cached = key;
      return { id: key.id, previous: before.id };
    },
    /** Public keys by id (all, retired included), for verification. */
    async publicKeys(): Promise<Map<string, string>> {
      return new Map((await checkpointRepo.keys(store)).map((k) => [k.id, k.public_key]));
    },
  };
}

export type AuditKeys = ReturnType<typeof createAuditKeys>;
