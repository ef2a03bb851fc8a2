import { Writable } from 'node:stream';
import type { Store } from '../store/store.ts';
import type { AuditEventInput } from '../audit/audit.writer.ts';
import type { Stage } from '../pipeline/types.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { createKeyService } from './keys.service.ts';
import { createSecretService } from './secrets.service.ts';
import { createResolver } from './resolver.ts';
import type { SecretsConfig } from './grants.ts';
import { createGrantService } from './grants.service.ts';
import { usageRepo } from './usage.repo.ts';
import { createCallFiles } from './call-files.ts';
import { InjectedValues } from './values.ts';
import { createServerSecrets } from './server-secrets.ts';
import { createVaultBackend } from './backends/vault.ts';
import { createEnvBackend } from './backends/env.ts';
import { createFileBackend } from './backends/file.ts';
import { createInjectSecretsStage } from '../pipeline/stages/inject-secrets.ts';
import type { Rand } from './crypto.ts';

export { SecretsConfigSchema, type SecretsConfig } from './grants.ts';
export { SecretRedactor, StreamingRedactor } from './redact.ts';
export { loadMasterKey } from './master-key.ts';
export { GrantSchema, type Grant } from './grants.ts';
export { deferredLink } from './server-secrets.ts';
export { InjectedValues } from './values.ts';

/** How long the per-use rows behind "last used", "use count" and the usage view are kept. */
export const USES_KEPT_DAYS = 90;

/** For pino's `hooks.streamWrite`: every injected value taken out of each log line. */
export const redactLogLine = (values: InjectedValues) => (line: string): string => values.all().redact(line);

/**
 * The secrets module, wired: key and secret services, backends, grants, the values
 * injected so far (for redaction), the pipeline stage and the server-config resolver.
 */
export function createSecrets(deps: { store: Store; audit: { append(e: AuditEventInput): Promise<number> }; config: SecretsConfig; masterKey: Buffer | undefined; values?: InjectedValues; env?: NodeJS.ProcessEnv; tmpRoot?: string; rand?: Rand; fetch?: typeof fetch }) {
  const env = deps.env ?? process.env;
  const keys = createKeyService({ store: deps.store, audit: deps.audit, masterKey: deps.masterKey, ...(deps.rand ? { rand: deps.rand } : {}) });
  const secrets = createSecretService({ store: deps.store, keys, audit: deps.audit, ...(deps.rand ? { rand: deps.rand } : {}) });
  const v = deps.config.vault;
  let vault;
  if (v) {
    const auth =
      v.auth.method === 'token'
        ? { method: 'token' as const, token: env[v.auth.tokenEnv] ?? '' }
        : { method: 'approle' as const, roleId: v.auth.roleId, secretId: env[v.auth.secretIdEnv] ?? '', mount: v.auth.mount };
    if ((auth.method === 'token' && !auth.token) || (auth.method === 'approle' && !auth.secretId)) {
      throw new FlowLinkError('config_invalid', `secrets.vault: set $${v.auth.method === 'token' ? v.auth.tokenEnv : v.auth.secretIdEnv} for Vault ${v.auth.method} auth`);
    }
    vault = createVaultBackend({ address: v.address, namespace: v.namespace, auth, cacheTtlMs: v.cacheTtl, timeoutMs: v.timeout, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  }
  const resolver = createResolver({ secrets, backends: { vault, env: createEnvBackend(env), file: createFileBackend({ roots: deps.config.fileRoots }) } });
  const grants = createGrantService({ store: deps.store, audit: deps.audit, config: deps.config.grants });
  const values = deps.values ?? new InjectedValues();
  const files = createCallFiles(deps.tmpRoot ? { root: deps.tmpRoot } : {});
  // Uses feed the list's counters and the usage view; older than USES_KEPT_DAYS they are pruned (at most hourly per org).
  const pruned = new Map<string, number>();
  const recordUses = async (orgId: string, uses: Parameters<typeof usageRepo.record>[2]) => {
    await usageRepo.record(deps.store, orgId, uses);
    if ((pruned.get(orgId) ?? 0) < Date.now() - 3_600_000) {
      pruned.set(orgId, Date.now());
      await usageRepo.prune(deps.store, orgId, USES_KEPT_DAYS);
    }
  };
  const server = createServerSecrets({ resolver, values, audit: deps.audit, recordUses });

  return {
    /** Listens for grant changes made on other instances; removes credential files left by dead processes. */
    async start() {
      await grants.start();
      await files.sweep();
    },
    /** Stops listening and removes this process's credential files; a background key rotation still running is resumed by the next rotate. */
    async stop() {
      await grants.stop();
      await files.dispose();
    },
    files,
    keys,
    secrets,
    resolver,
    grants,
    values,
    /** The pipeline stage (order.ts: innermost, just before forward). */
    stage: (): Stage => createInjectSecretsStage({ resolver, grants, values, audit: deps.audit, recordUses, files }),
    /** Can a stored name be resolved now (its value dropped)? Audited; only the outcome and a reason come back. */
    async check(orgId: string, name: string, actor: { type: 'user' | 'agent' | 'system'; id: string }) {
      const meta = await secrets.get(orgId, name);
      const r = await resolver.check(orgId, name);
      await deps.audit.append({ orgId, kind: 'secret.checked', actor, outcome: r.resolvable ? 'success' : 'failure', data: { name, backend: meta.backend, version: meta.version, resolvable: r.resolvable } });
      return { name, backend: meta.backend, version: meta.version, reference: meta.reference, ...r };
    },
    resolveServerSecrets: server.resolveServerSecrets,
    /** For the gateway: redacts notifications (progress, log messages) and errors sent to an org's agents. */
    redactorFor: (orgId: string) => values.forOrg(orgId),
    /** A pino destination that takes every injected value out of each log line before writing it to `dest`. */
    logDestination(dest: NodeJS.WritableStream): Writable {
      return new Writable({
        write(chunk: Buffer | string, _enc, cb) {
          dest.write(values.all().redact(chunk.toString()), () => cb());
        },
      });
    },
  };
}

export type Secrets = ReturnType<typeof createSecrets>;
