import type { Store } from '../store/store.ts';
import type { AuditEventInput } from '../audit/audit.writer.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { randomId, safeEqual } from '../lib/secure-compare.ts';
import { secretsRepo, type OrgKeyRow } from './secrets.repo.ts';
import type { Actor } from './secrets.types.ts';
import {
  decryptValue, defaultRand, encryptValue, fingerprint, generateOrgKeyPair, openPrivateKey, packPrivateKey, packWrapped, rewrapDataKey, sealPrivateKey, unpackPrivateKey, unpackWrapped,
  SecretCryptoError, type Rand,
} from './crypto.ts';

export interface KeysDeps {
  store: Store;
  audit: { append(e: AuditEventInput): Promise<number> };
  /** Undefined when no master key is configured: every key operation then fails with secrets_unavailable. */
  masterKey: Buffer | undefined;
  rand?: Rand;
}

export interface KeyInfo {
  keyId: string;
  fingerprint: string;
  state: OrgKeyRow['state'];
  createdAt: Date;
}

export interface RotationProgress {
  keyId: string;
  rewrapped: number;
  total: number;
  remaining: number;
}

export interface KeyStatus {
  keys: (KeyInfo & { retiredAt: Date | null; wrappedKeys: number })[];
  rotation: { inProgress: boolean; runningHere: boolean; remaining: number; lastError: string | null };
}

const REWRAP_PAGE = 200;

/**
 * Org key pairs: set up, verify, rotate. Private keys exist in plaintext only in memory,
 * opened from their sealed form with the master key; nothing here returns one.
 */
export function createKeyService(deps: KeysDeps) {
  const { store } = deps;
  const rand = deps.rand ?? defaultRand;
  /** Opened private keys by org and key id; dropped when a key is retired. */
  const opened = new Map<string, Buffer>();
  /** Background rotations started through the API on this instance, by org. */
  const running = new Map<string, Promise<unknown>>();
  const lastError = new Map<string, string>();

  const actorOf = (a: Actor) => ({ type: a.type, id: a.id });
  const info = (r: OrgKeyRow): KeyInfo => ({ keyId: r.key_id, fingerprint: r.fingerprint, state: r.state, createdAt: r.created_at });

  function master(): Buffer {
    if (!deps.masterKey) throw new FlowLinkError('secrets_unavailable', 'secrets are not set up on this instance: no master key (set FLOWLINK_MASTER_KEY)');
    return deps.masterKey;
  }

  async function createKey(orgId: string, state: 'active') {
    const masterKey = master();
    const pair = generateOrgKeyPair(rand);
    const keyId = `sk_${randomId()}`;
    const sealed = packPrivateKey(sealPrivateKey(pair.privateKey, masterKey, orgId, keyId, rand));
    pair.privateKey.fill(0);
    const row = { org_id: orgId, key_id: keyId, public_key: pair.publicKey.toString('base64'), sealed_private_key: sealed, fingerprint: fingerprint(pair.publicKey), state };
    return row;
  }

  async function setup(orgId: string, actor: Actor): Promise<KeyInfo> {
    const row = await createKey(orgId, 'active');
    try {
      await secretsRepo.insertKey(store, row);
    } catch {
      // The partial unique index allows one active key per org: another setup won.
      throw new FlowLinkError('conflict', 'this organization already has a secrets key; rotate it instead');
    }
    await deps.audit.append({ orgId, kind: 'secret.keys.setup', actor: actorOf(actor), outcome: 'success', data: { key_id: row.key_id, fingerprint: row.fingerprint } });
    const created = await secretsRepo.key(store, orgId, row.key_id);
    return info(created!);
  }

  /** The active key, set up on first use (the first secret an org stores). */
  async function active(orgId: string, actor: Actor = { type: 'system', id: 'secrets' }): Promise<OrgKeyRow> {
    const k = await secretsRepo.activeKey(store, orgId);
    if (k) return k;
    try {
      await setup(orgId, actor);
    } catch (err) {
      if (!(err instanceof FlowLinkError && err.code === 'conflict')) throw err;
    }
    const again = await secretsRepo.activeKey(store, orgId);
    if (!again) throw new FlowLinkError('internal', 'could not set up the organization secrets key');
    return again;
  }

  /** Opens a (non-retired) private key. Internal: callers must not let it leave the module. */
  async function privateKey(orgId: string, keyId: string): Promise<Buffer> {
    const cacheKey = `${orgId}\0${keyId}`;
    const hit = opened.get(cacheKey);
    if (hit) return hit;
    const row = await secretsRepo.key(store, orgId, keyId);
    if (!row || row.state === 'retired' || !row.sealed_private_key) throw new FlowLinkError('secrets_unavailable', 'the key this secret was encrypted with is not available');
    let key: Buffer;
    try {
      key = openPrivateKey(unpackPrivateKey(row.sealed_private_key), master(), orgId, keyId);
    } catch (err) {
      if (err instanceof SecretCryptoError) throw new FlowLinkError('secrets_unavailable', 'the organization key cannot be opened with this master key (was FLOWLINK_MASTER_KEY changed?)');
      throw err;
    }
    opened.set(cacheKey, key);
    return key;
  }

  /**
   * Proves the server can decrypt: encrypts a random challenge to the active public key,
   * decrypts it with the sealed private key, and compares in constant time. Only the
   * outcome and the key's fingerprint come back.
   */
  async function verify(orgId: string, actor: Actor): Promise<{ ok: boolean; keyId: string; fingerprint: string }> {
    const k = await secretsRepo.activeKey(store, orgId);
    if (!k) throw new FlowLinkError('not_found', 'this organization has no secrets key yet (set one up first)');
    const challenge = rand(32).toString('base64');
    const ad = { orgId, name: '__flowlink_verify__', version: 0 };
    let ok = false;
    try {
      const sealed = encryptValue(Buffer.from(challenge), ad, Buffer.from(k.public_key, 'base64'), rand);
      const back = decryptValue(sealed, ad, await privateKey(orgId, k.key_id));
      ok = safeEqual(back.toString(), challenge);
      back.fill(0);
    } catch (err) {
      if (!(err instanceof FlowLinkError || err instanceof SecretCryptoError)) throw err;
    }
    await deps.audit.append({ orgId, kind: 'secret.keys.verified', actor: actorOf(actor), outcome: ok ? 'success' : 'failure', data: { key_id: k.key_id, fingerprint: k.fingerprint, ok } });
    return { ok, keyId: k.key_id, fingerprint: k.fingerprint };
  }

  /**
   * Rotates online: a new key pair becomes active (new values use it at once), the old
   * one turns `retiring` and stays usable for decryption while every data key wrapped
   * to it is re-wrapped, page by page, each swap guarded by the old key id (so a
   * concurrent set or delete wins). When none is left the old key is retired and its
   * sealed private key erased. Values themselves are never decrypted. A rotation cut
   * short (a crash) is resumed by the next rotate instead of starting another.
   */
  async function rotate(orgId: string, actor: Actor, onProgress?: (p: RotationProgress) => void): Promise<{ keyId: string; fingerprint: string; previousKeyId: string; rewrapped: number; retired: string[]; resumed: boolean }> {
    const { old, next, resumed } = await beginRotation(orgId, actor);
    return completeRotation(orgId, actor, old, next, resumed, onProgress);
  }

  /** Step one of a rotation: the new key is active (or an unfinished rotation is picked up). */
  async function beginRotation(orgId: string, actor: Actor): Promise<{ old: OrgKeyRow; next: Pick<OrgKeyRow, 'key_id' | 'fingerprint'>; resumed: boolean }> {
    const keys = await secretsRepo.keys(store, orgId);
    const active = keys.find((k) => k.state === 'active');
    if (!active) throw new FlowLinkError('not_found', 'this organization has no secrets key yet (set one up first)');
    const started = async (old: OrgKeyRow, next: Pick<OrgKeyRow, 'key_id' | 'fingerprint'>, resumed: boolean) =>
      deps.audit.append({
        orgId, kind: 'secret.keys.rotation_started', actor: actorOf(actor), outcome: 'success',
        data: { key_id: next.key_id, fingerprint: next.fingerprint, previous_key_id: old.key_id, previous_fingerprint: old.fingerprint, resumed, remaining: await secretsRepo.countForKey(store, orgId, old.key_id) },
      });
    const retiring = keys.find((k) => k.state === 'retiring');
    if (retiring) {
      await started(retiring, active, true);
      return { old: retiring, next: active, resumed: true };
    }
    const next = await createKey(orgId, 'active');
    try {
      await store.tx(async (q) => {
        await secretsRepo.setKeyState(q, orgId, active.key_id, 'retiring');
        await secretsRepo.insertKey(q, next);
      });
    } catch {
      throw new FlowLinkError('conflict', 'another rotation of this organization key started at the same time; check the key status');
    }
    await started(active, next, false);
    return { old: active, next, resumed: false };
  }

  async function completeRotation(orgId: string, actor: Actor, old: OrgKeyRow, next: Pick<OrgKeyRow, 'key_id' | 'fingerprint'>, resumed: boolean, onProgress?: (p: RotationProgress) => void) {
    const done = await finishRetiring(orgId, actor, onProgress);
    const remaining = await secretsRepo.countForKey(store, orgId, old.key_id);
    await deps.audit.append({
      orgId, kind: 'secret.keys.rotated', actor: actorOf(actor), outcome: remaining === 0 ? 'success' : 'failure',
      data: { key_id: next.key_id, fingerprint: next.fingerprint, previous_key_id: old.key_id, previous_fingerprint: old.fingerprint, rewrapped: done.rewrapped, remaining },
    });
    return { keyId: next.key_id, fingerprint: next.fingerprint, previousKeyId: old.key_id, rewrapped: done.rewrapped, retired: done.retired, resumed };
  }

  /**
   * For the API: starts (or resumes) a rotation and lets it run in the background on this
   * instance; `status` shows its progress (data keys still wrapped to the retiring key).
   */
  async function startRotation(orgId: string, actor: Actor): Promise<{ keyId: string; fingerprint: string; previousKeyId: string; remaining: number; resumed: boolean }> {
    if (running.has(orgId)) throw new FlowLinkError('conflict', 'a rotation of this organization key is already running');
    const { old, next, resumed } = await beginRotation(orgId, actor);
    const remaining = await secretsRepo.countForKey(store, orgId, old.key_id);
    const job = completeRotation(orgId, actor, old, next, resumed)
      .then(() => lastError.delete(orgId))
      .catch((err: unknown) => void lastError.set(orgId, err instanceof FlowLinkError ? err.message : 'the rotation stopped on an internal error; rotate again to resume'))
      .finally(() => running.delete(orgId));
    running.set(orgId, job);
    return { keyId: next.key_id, fingerprint: next.fingerprint, previousKeyId: old.key_id, remaining, resumed };
  }

  /** Keys with how many data keys each still wraps, and whether a rotation is under way. */
  async function status(orgId: string): Promise<KeyStatus> {
    const keys = await secretsRepo.keys(store, orgId);
    const counts = await secretsRepo.countsByKey(store, orgId);
    const retiring = keys.filter((k) => k.state === 'retiring');
    return {
      keys: keys.map((k) => ({ ...info(k), retiredAt: k.retired_at, wrappedKeys: counts.get(k.key_id) ?? 0 })),
      rotation: { inProgress: retiring.length > 0, runningHere: running.has(orgId), remaining: retiring.reduce((n, k) => n + (counts.get(k.key_id) ?? 0), 0), lastError: lastError.get(orgId) ?? null },
    };
  }

  /** Waits for this instance's background rotation of `orgId`, if any (tests, shutdown). */
  async function idle(orgId?: string): Promise<void> {
    await Promise.all(orgId ? [running.get(orgId)] : [...running.values()]);
  }

  /** Re-wraps everything still wrapped to a retiring key, then retires it (also resumes a rotation cut short). */
  async function finishRetiring(orgId: string, actor: Actor, onProgress?: (p: RotationProgress) => void): Promise<{ rewrapped: number; retired: string[] }> {
    const target = await secretsRepo.activeKey(store, orgId);
    if (!target) return { rewrapped: 0, retired: [] };
    const newPublic = Buffer.from(target.public_key, 'base64');
    let rewrapped = 0;
    const retired: string[] = [];
    for (const k of (await secretsRepo.keys(store, orgId)).filter((r) => r.state === 'retiring')) {
      const oldPrivate = await privateKey(orgId, k.key_id);
      const total = await secretsRepo.countForKey(store, orgId, k.key_id);
      onProgress?.({ keyId: k.key_id, rewrapped, total, remaining: total });
      for (;;) {
        const page = await secretsRepo.sealedForKey(store, orgId, k.key_id, REWRAP_PAGE);
        if (!page.length) break;
        let progressed = 0;
        for (const row of page) {
          if (!row.wrapped_key) continue;
          const w = rewrapDataKey(unpackWrapped(row.wrapped_key), oldPrivate, newPublic, { orgId, name: row.name, version: row.version }, rand);
          if (await secretsRepo.rewrap(store, orgId, row.name, row.version, k.key_id, target.key_id, packWrapped(w))) {
            rewrapped++;
            progressed++;
          }
        }
        onProgress?.({ keyId: k.key_id, rewrapped, total, remaining: await secretsRepo.countForKey(store, orgId, k.key_id) });
        // Rows that raced (deleted meanwhile) drop out of the next page by themselves.
        if (!progressed && page.every((r) => !r.wrapped_key)) break;
      }
      if ((await secretsRepo.countForKey(store, orgId, k.key_id)) === 0) {
        await secretsRepo.setKeyState(store, orgId, k.key_id, 'retired');
        opened.get(`${orgId}\0${k.key_id}`)?.fill(0);
        opened.delete(`${orgId}\0${k.key_id}`);
        retired.push(k.key_id);
        await deps.audit.append({ orgId, kind: 'secret.keys.retired', actor: actorOf(actor), outcome: 'success', data: { key_id: k.key_id, fingerprint: k.fingerprint } });
      }
    }
    return { rewrapped, retired };
  }

  async function list(orgId: string): Promise<KeyInfo[]> {
    return (await secretsRepo.keys(store, orgId)).map(info);
  }

  return { setup, verify, rotate, startRotation, status, idle, finishRetiring, list, active, privateKey };
}

export type KeyService = ReturnType<typeof createKeyService>;
