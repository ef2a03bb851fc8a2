import { FlowLinkError } from '../lib/errors.ts';
import { parseRef, type SecretRef } from './secrets.types.ts';
import type { SecretService } from './secrets.service.ts';
import type { SecretBackend } from './backends/backend.ts';

export interface Resolved {
  value: string;
  /** The built-in version, or null for values read straight from a backend. */
  version: number | null;
}

export interface Backends {
  vault?: SecretBackend<Extract<SecretRef, { backend: 'vault' }>> | undefined;
  env: SecretBackend<Extract<SecretRef, { backend: 'env' }>>;
  file: SecretBackend<Extract<SecretRef, { backend: 'file' }>>;
}

/**
 * Turns a name or reference into a value. Names look in the org's built-in store, whose
 * entry holds either a sealed value or a reference to another backend (`flowlink secret
 * set NAME --backend vault:…`). Direct references (`vault:…`, `env:…`, `file:…`) are for
 * trusted configuration only: the injection stage accepts nothing but names from agents.
 */
export function createResolver(deps: { secrets: SecretService; backends: Backends }) {
  async function readRef(ref: SecretRef): Promise<string | undefined> {
    switch (ref.backend) {
      case 'vault':
        if (!deps.backends.vault) throw new FlowLinkError('secrets_unavailable', 'a secret refers to Vault, but no Vault is configured (secrets.vault)');
        return deps.backends.vault.read(ref);
      case 'env':
        return deps.backends.env.read(ref);
      case 'file':
        return deps.backends.file.read(ref);
      case 'builtin':
        return undefined;
    }
  }

  async function resolve(orgId: string, text: string): Promise<Resolved | undefined> {
    const parsed = parseRef(text);
    if (!parsed.ok) return undefined;
    const ref = parsed.value;
    if (ref.backend !== 'builtin') {
      const value = await readRef(ref);
      return value === undefined ? undefined : { value, version: null };
    }
    const stored = await deps.secrets.open(orgId, ref.name);
    if (!stored) return undefined;
    if ('value' in stored) {
      const value = stored.value.toString('utf8');
      stored.value.fill(0);
      return { value, version: stored.version };
    }
    const target = parseRef(stored.reference);
    if (!target.ok || target.value.backend === 'builtin') return undefined;
    const value = await readRef(target.value);
    return value === undefined ? undefined : { value, version: stored.version };
  }

  /**
   * Can `name` be resolved right now? Only the outcome and, when not, why (the backend's
   * error, which never carries a value); the value itself is dropped here.
   */
  async function check(orgId: string, name: string): Promise<{ resolvable: boolean; reason: string | null }> {
    try {
      const r = await resolve(orgId, name);
      if (r) return { resolvable: true, reason: null };
      return { resolvable: false, reason: 'the backend has no value at that reference (or the stored value was erased)' };
    } catch (err) {
      if (err instanceof FlowLinkError) return { resolvable: false, reason: err.message };
      throw err;
    }
  }

  return { resolve, check };
}

export type Resolver = ReturnType<typeof createResolver>;
