/**
 * Keeps the active policy set: loads it from the database, applies changes from the
 * file (policy as code) and the API as new versions, and follows changes made by other
 * instances through NOTIFY. The active set is swapped as one reference, so a call
 * being evaluated keeps the set it started with and no evaluation is ever dropped.
 * An invalid change is rejected whole and the previous version stays active.
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Store } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { compilePolicy, type CompiledPolicy } from './compile.ts';
import { documentChecksum, parseDocumentText, validateDocument, PolicyDocumentSchema, type PolicyDocument } from './document.ts';
import { diffDocuments } from './diff.ts';
import { policyRepo, POLICY_CHANNEL, type VersionRow } from './policy.repo.ts';

export interface ActivePolicy {
  /** 0 while no version has been stored. */
  readonly version: number;
  readonly source: VersionRow['source'] | 'empty';
  readonly document: PolicyDocument;
  readonly checksum: string;
  readonly compiled: CompiledPolicy;
}

export interface PolicyServiceDeps {
  store: Store;
  /** flowlink.yaml (or a policy file); watched for changes once started. */
  file?: string | undefined;
  logger: Logger;
  clock?: () => number;
  /** Name of the policy set (one per deployment unless told otherwise). */
  setName?: string;
  /** Wait after the last file event before reading it. */
  debounceMs?: number;
}

export type PolicyService = ReturnType<typeof createPolicyService>;

export interface BeforeChange {
  current: ActivePolicy;
  next: PolicyDocument;
  actor: string;
  source: VersionRow['source'];
}

const EMPTY_DOCUMENT: PolicyDocument = PolicyDocumentSchema.parse({});

function activate(row: Pick<VersionRow, 'version' | 'source' | 'document' | 'checksum'>): ActivePolicy {
  return { version: row.version, source: row.source, document: row.document, checksum: row.checksum, compiled: compilePolicy(row.document.policies) };
}

export function createPolicyService(deps: PolicyServiceDeps) {
  const { store, logger } = deps;
  const setName = deps.setName ?? 'default';
  const file = deps.file ? resolve(deps.file) : undefined;
  const clock = deps.clock ?? Date.now;
  const debounceMs = deps.debounceMs ?? 100;
  let active: ActivePolicy = { version: 0, source: 'empty', document: EMPTY_DOCUMENT, checksum: documentChecksum(EMPTY_DOCUMENT), compiled: compilePolicy(EMPTY_DOCUMENT.policies) };
  let lastError: { at: number; source: string; message: string } | undefined;
  const listeners = new Set<(p: ActivePolicy) => void>();
  const beforeChange = new Set<(c: BeforeChange) => Promise<void>>();
  let unlisten: (() => Promise<void>) | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();

  function setActive(next: ActivePolicy) {
    if (next.version <= active.version && active.version !== 0) return;
    active = next;
    lastError = undefined;
    for (const fn of listeners) {
      try {
        fn(next);
      } catch (err) {
        logger.error({ err }, 'policy change listener failed');
      }
    }
  }

  /** Validates, stores as a new version (unless identical to the active one) and activates. */
  async function store_(doc: PolicyDocument, actor: string, source: VersionRow['source'], rolledBackTo: number | null): Promise<ActivePolicy> {
    const checksum = documentChecksum(doc);
    const compiled = compilePolicy(doc.policies);
    // Hooks (a snapshot of the state being replaced) run first; one that fails refuses the change.
    if (checksum !== active.checksum || rolledBackTo !== null) for (const fn of beforeChange) await fn({ current: active, next: doc, actor, source });
    const row = await store.tx(async (q) => {
      await policyRepo.lock(q);
      const latest = await policyRepo.latest(q, setName);
      if (latest && latest.checksum === checksum && rolledBackTo === null) return latest;
      return policyRepo.insert(q, {
        set_name: setName,
        version: (latest?.version ?? 0) + 1,
        source,
        actor: actor.slice(0, 200),
        document: doc,
        checksum,
        diff: diffDocuments(latest?.document, doc),
        rolled_back_to: rolledBackTo,
      });
    });
    // Notify after commit: nothing leaves over the network inside a transaction.
    await store.notify(POLICY_CHANNEL, `${setName}:${row.version}`);
    const next = row.checksum === checksum ? { version: row.version, source: row.source, document: doc, checksum, compiled } : activate(row);
    setActive(next);
    return active;
  }

  async function reloadFromDb(): Promise<void> {
    const latest = await policyRepo.latest(store, setName);
    if (latest && latest.version > active.version) setActive(activate(latest));
  }

  function reject(source: string, message: string) {
    lastError = { at: clock(), source, message };
    logger.error({ source, error: message }, 'policy change rejected; the previous version stays active');
  }

  /** Reads the file; applies it when its policy sections differ from the active set. */
  async function applyFile(): Promise<void> {
    if (!file) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return reject(file, `cannot read the file: ${(err as Error).message}`);
    }
    const parsed = parseDocumentText(text, file);
    if (!parsed.ok) return reject(file, parsed.error.message);
    if (documentChecksum(parsed.value) === active.checksum) return;
    await store_(parsed.value, `file:${file}`, 'yaml', null);
    logger.info({ version: active.version, file }, 'policy file applied');
  }

  function onFileEvent() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      reloading = reloading.then(applyFile).catch((err) => reject(file ?? 'file', (err as Error).message));
    }, debounceMs);
  }

  return {
    /** The active set; cheap, synchronous, safe to call per tool call. */
    current: (): ActivePolicy => active,

    /** The last rejected change (file or DB), cleared by the next accepted one. */
    status: () => ({ version: active.version, source: active.source, lastError }),

    /** Runs before a change is stored (not for an identical document); a hook that throws refuses the change. */
    onBeforeChange(fn: (c: BeforeChange) => Promise<void>): () => void {
      beforeChange.add(fn);
      return () => beforeChange.delete(fn);
    },

    onChange(fn: (p: ActivePolicy) => void): () => void {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    /** Applies a document sent through the API (all-or-nothing; a bad field throws invalid_params naming it). */
    async apply(input: unknown, actor: string): Promise<ActivePolicy> {
      const v = validateDocument(input, 'policy');
      if (!v.ok) throw v.error;
      return store_(v.value, actor, 'api', null);
    },

    async versions(limit = 100) {
      return policyRepo.list(store, setName, limit);
    },

    async version(n: number): Promise<VersionRow | undefined> {
      return policyRepo.get(store, setName, n);
    },

    /** Makes an earlier version active again, as a new version that records which one it restored. */
    async rollback(version: number, actor: string): Promise<ActivePolicy> {
      const row = await policyRepo.get(store, setName, version);
      if (!row) throw new FlowLinkError('not_found', `policy version ${version} does not exist`);
      // Re-validate: a version stored by an older FlowLink must still satisfy today's schema.
      const v = validateDocument(row.document, `policy version ${version}`);
      if (!v.ok) throw v.error;
      return store_(v.value, actor, 'rollback', version);
    },

    /**
     * Loads the stored set, applies the file if its policy sections changed since the
     * last version taken from it, then follows the file and other instances. At start a
     * bad file with no stored version to fall back on is an error.
     */
    async start(): Promise<void> {
      const latest = await policyRepo.latest(store, setName);
      if (latest) setActive(activate(latest));
      if (file) {
        const parsed = parseDocumentText(readFileSync(file, 'utf8'), file);
        if (!parsed.ok) {
          if (!latest) throw new FlowLinkError('config_invalid', parsed.error.message);
          reject(file, parsed.error.message);
        } else {
          const fromFile = await policyRepo.latestFromSource(store, setName, 'yaml');
          // The file wins only when it changed since it was last applied, so API changes survive restarts.
          if (!fromFile || fromFile.checksum !== documentChecksum(parsed.value) || !latest) {
            if (documentChecksum(parsed.value) !== active.checksum) await store_(parsed.value, `file:${file}`, 'yaml', null);
          }
        }
        // Watch the folder: editors replace files by rename, which ends a watch on the file itself.
        const name = basename(file);
        watcher = watch(dirname(file), (_ev, f) => {
          if (f === null || f === name) onFileEvent();
        });
        watcher.on('error', (err) => logger.error({ err }, 'policy file watch failed'));
      }
      unlisten = await store.listen(POLICY_CHANNEL, (payload) => {
        if (!payload.startsWith(`${setName}:`)) return;
        reloading = reloading.then(reloadFromDb).catch((err) => reject('database', (err as Error).message));
      });
    },

    async stop(): Promise<void> {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
      await reloading;
      await unlisten?.();
      unlisten = undefined;
    },
  };
}
