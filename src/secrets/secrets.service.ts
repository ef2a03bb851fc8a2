import type { Store } from '../store/store.ts';
import type { AuditEventInput } from '../audit/audit.writer.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { secretsRepo, type SecretRow, type VersionRow } from './secrets.repo.ts';
import { MAX_VALUE_BYTES, MIN_VALUE_CHARS, NAME_RE, parseRef, formatRef, type Actor, type BackendKind } from './secrets.types.ts';
import { decryptValue, encryptValue, packWrapped, unpackWrapped, defaultRand, SecretCryptoError, type Rand } from './crypto.ts';
import type { KeyService } from './keys.service.ts';
import { usageRepo, type UseRow } from './usage.repo.ts';

export interface SecretView {
  name: string;
  version: number;
  backend: BackendKind;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  /** For vault/env/file secrets: where the value is read from (never the value). */
  reference: string | null;
  lastUsedAt: string | null;
  useCount: number;
}

export interface UseView {
  at: string;
  callId: string | null;
  agentId: string | null;
  agentName: string | null;
  server: string;
  tool: string | null;
  method: UseRow['method'];
  version: number | null;
}

export interface VersionView {
  version: number;
  backend: BackendKind;
  /** For vault/env/file versions: where the value is read from (not the value). */
  reference: string | null;
  createdAt: string;
  createdBy: string;
  erased: boolean;
}

const view = (r: SecretRow, use?: { count: number; last: Date }): SecretView => ({
  name: r.name, version: r.current_version, backend: r.backend, createdAt: r.created_at.toISOString(), createdBy: r.created_by, updatedAt: r.updated_at.toISOString(), updatedBy: r.updated_by,
  reference: r.reference, lastUsedAt: use ? use.last.toISOString() : null, useCount: use?.count ?? 0,
});
const useView = (u: UseRow): UseView => ({ at: new Date(u.used_at).toISOString(), callId: u.call_id, agentId: u.agent_id, agentName: u.agent_name, server: u.server, tool: u.tool, method: u.method, version: u.version });
const NOT_FOUND = (name: string) => new FlowLinkError('not_found', `no secret named "${name}" in this organization`);
const versionView = (r: VersionRow): VersionView => ({ version: r.version, backend: r.backend, reference: r.reference, createdAt: r.created_at.toISOString(), createdBy: r.created_by, erased: r.erased });

function checkName(name: string) {
  if (!NAME_RE.test(name)) throw new FlowLinkError('invalid_params', 'a secret name uses letters, digits, "_", "." and "-", starts with a letter, and is at most 128 characters');
}

/** What a stored version points at, for the resolver. Internal to the module. */
export type StoredSecret = { version: number; value: Buffer } | { version: number; reference: string };

/**
 * The built-in store: values are write-only. `set` takes a value (or a reference to
 * another backend), and nothing exported returns a value except `open`, which only the
 * resolver calls on the way into an injection.
 */
export function createSecretService(deps: { store: Store; keys: KeyService; audit: { append(e: AuditEventInput): Promise<number> }; rand?: Rand }) {
  const { store } = deps;
  const rand = deps.rand ?? defaultRand;

  async function set(orgId: string, name: string, input: { value: Buffer } | { reference: string }, actor: Actor): Promise<{ version: number; created: boolean; backend: BackendKind }> {
    checkName(name);
    let backend: BackendKind = 'builtin';
    let reference: string | null = null;
    if ('value' in input) {
      if (input.value.length > MAX_VALUE_BYTES) throw new FlowLinkError('invalid_params', `a secret value is at most ${MAX_VALUE_BYTES} bytes`);
      if (input.value.toString('utf8').length < MIN_VALUE_CHARS) throw new FlowLinkError('invalid_params', `a secret value needs at least ${MIN_VALUE_CHARS} characters (shorter ones cannot be redacted from output safely)`);
    } else {
      const r = parseRef(input.reference);
      if (!r.ok) throw r.error;
      if (r.value.backend === 'builtin') throw new FlowLinkError('invalid_params', 'a reference names a backend: vault:…, env:… or file:…');
      backend = r.value.backend;
      reference = formatRef(r.value);
    }
    const key = await deps.keys.active(orgId, actor);
    const result = await store.tx(async (q) => {
      const { max, exists } = await secretsRepo.lockForWrite(q, orgId, name);
      const version = max + 1;
      let ciphertext: string | null = null;
      let wrapped: string | null = null;
      if ('value' in input) {
        const sealed = encryptValue(input.value, { orgId, name, version }, Buffer.from(key.public_key, 'base64'), rand);
        ciphertext = `${sealed.nonce.toString('base64')}.${sealed.ciphertext.toString('base64')}`;
        wrapped = packWrapped(sealed.key);
      }
      await secretsRepo.insertVersion(q, { org_id: orgId, name, version, backend, reference, ciphertext, wrapped_key: wrapped, key_id: wrapped ? key.key_id : null, created_by: `${actor.type}:${actor.id}` }, exists);
      return { version, created: !exists };
    });
    await deps.audit.append({ orgId, kind: 'secret.set', actor: { type: actor.type, id: actor.id }, outcome: 'success', data: { name, version: result.version, backend, created: result.created } });
    return { ...result, backend };
  }

  async function list(orgId: string): Promise<SecretView[]> {
    const [rows, stats] = await Promise.all([secretsRepo.list(store, orgId), usageRepo.stats(store, orgId)]);
    return rows.map((r) => view(r, stats.get(r.name)));
  }

  /** One live secret's metadata; a deleted, missing or other org's name is "not found", the same answer. */
  async function get(orgId: string, name: string): Promise<SecretView> {
    checkName(name);
    const row = await secretsRepo.get(store, orgId, name);
    if (!row || row.deleted_at) throw NOT_FOUND(name);
    return view(row, (await usageRepo.stats(store, orgId)).get(name));
  }

  /** Every version (who, when, backend), deleted secrets included: history is kept. */
  async function versions(orgId: string, name: string): Promise<VersionView[]> {
    checkName(name);
    const rows = await secretsRepo.versions(store, orgId, name);
    if (!rows.length) throw NOT_FOUND(name);
    return rows.map(versionView);
  }

  /** The most recent uses (call, agent, server, time) of a secret that exists or existed in this org. */
  async function usage(orgId: string, name: string, limit = 50): Promise<UseView[]> {
    checkName(name);
    if (!(await secretsRepo.get(store, orgId, name))) throw NOT_FOUND(name);
    return (await usageRepo.recent(store, orgId, name, Math.min(Math.max(1, limit), 500))).map(useView);
  }

  async function remove(orgId: string, name: string, actor: Actor): Promise<void> {
    checkName(name);
    const cur = await secretsRepo.get(store, orgId, name);
    const ok = await store.tx((q) => secretsRepo.softDelete(q, orgId, name, `${actor.type}:${actor.id}`));
    if (!ok) throw NOT_FOUND(name);
    await deps.audit.append({ orgId, kind: 'secret.deleted', actor: { type: actor.type, id: actor.id }, outcome: 'success', data: { name, version: cur?.current_version ?? 0 } });
  }

  /** Decrypts the current version (or returns its reference). Undefined when there is no such secret in this org. */
  async function open(orgId: string, name: string, retry = true): Promise<StoredSecret | undefined> {
    if (!NAME_RE.test(name)) return undefined;
    const row = await secretsRepo.sealedCurrent(store, orgId, name);
    if (!row) return undefined;
    if (row.backend !== 'builtin') return { version: row.version, reference: row.reference ?? '' };
    if (!row.ciphertext || !row.wrapped_key || !row.key_id) return undefined;
    const [n, c] = row.ciphertext.split('.');
    let key: Buffer;
    try {
      key = await deps.keys.privateKey(orgId, row.key_id);
    } catch (err) {
      // A rotation may have re-wrapped this row and retired its key since we read it: read it again, once.
      if (retry && err instanceof FlowLinkError && err.code === 'secrets_unavailable') return open(orgId, name, false);
      throw err;
    }
    try {
      const value = decryptValue({ nonce: Buffer.from(n ?? '', 'base64'), ciphertext: Buffer.from(c ?? '', 'base64'), key: unpackWrapped(row.wrapped_key) }, { orgId, name, version: row.version }, key);
      return { version: row.version, value };
    } catch (err) {
      if (err instanceof SecretCryptoError) throw new FlowLinkError('secrets_unavailable', `secret "${name}" could not be decrypted (its stored ciphertext or key does not verify)`);
      throw err;
    }
  }

  return { set, list, get, versions, usage, remove, open };
}

export type SecretService = ReturnType<typeof createSecretService>;
