import type { Store } from '../store/store.ts';
import type { AuditWriter, AuditEventInput } from '../audit/audit.writer.ts';
import { FlowLinkError } from '../lib/errors.ts';
import type { Shield, ShieldEngine } from './index.ts';
import type { Severity } from './types.ts';
import { effectiveSettings, rulesView, type OrgRuleSetting } from './org-rules.ts';
import { orgRulesRepo } from './org-rules.repo.ts';

const CHANNEL = 'flowlink_shield_rules';
const TEST_BOX_TIMEOUT_MS = 2_000;
/** Compiled rule sets kept (each a few hundred KB); the least recently built goes first. */
const MAX_CACHED = 500;

/**
 * Per-org rule settings and the Shield each org's calls are judged with. An org without
 * settings uses the installation's Shield; one with settings gets its own compiled rule
 * set (same parsers and parse caches), built once and dropped on every instance when
 * the org's settings change (NOTIFY).
 */
export function createOrgRules(deps: { store: Store; engine: ShieldEngine; audit: AuditWriter }) {
  const { store, engine, audit } = deps;
  const cache = new Map<string, Shield>();
  const loading = new Map<string, Promise<Shield>>();
  let generation = 0;
  let unlisten: (() => Promise<void>) | undefined;

  function drop(orgId: string) {
    generation++;
    cache.delete(orgId);
    loading.delete(orgId);
  }

  async function build(orgId: string): Promise<Shield> {
    const gen = generation;
    const settings = effectiveSettings(engine.ruleCatalog(), engine.baseSettings, await orgRulesRepo.list(store, orgId));
    const shield = settings ? engine.withRules(settings) : engine;
    if (gen === generation) {
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
      cache.set(orgId, shield);
    }
    loading.delete(orgId);
    return shield;
  }

  function known(scope: 'pack' | 'rule', name: string) {
    const catalog = engine.ruleCatalog();
    const found = scope === 'pack' ? catalog.some((r) => r.pack === name) : catalog.some((r) => r.id === name);
    if (!found) throw new FlowLinkError('not_found', scope === 'pack' ? `no rule pack named "${name}"` : `no rule with id "${name}"`);
  }

  async function changed(orgId: string, actor: AuditEventInput['actor'], data: { scope: 'pack' | 'rule'; name: string; enabled: boolean | null; severity: Severity | null; reset: boolean }) {
    drop(orgId);
    await store.notify(CHANNEL, orgId);
    await audit.append({ orgId, kind: 'shield.rule.changed', actor, outcome: 'success', data });
  }

  return {
    async start(): Promise<void> {
      unlisten = await store.listen(CHANNEL, (orgId) => drop(orgId));
    },
    async stop(): Promise<void> {
      await unlisten?.();
    },

    /** The Shield that judges this org's calls. */
    forOrg(orgId: string): Shield | Promise<Shield> {
      const hit = cache.get(orgId);
      if (hit) return hit;
      let p = loading.get(orgId);
      if (!p) {
        p = build(orgId);
        loading.set(orgId, p);
      }
      return p;
    },

    /**
     * This org's rules with a patient time budget, for the console's test box: a paste is
     * analyzed once, off any call's path, so a busy machine should not turn it into a
     * fail-closed timeout. Compiled per use (a few ms), never cached.
     */
    async forTestBox(orgId: string): Promise<Shield> {
      const settings = effectiveSettings(engine.ruleCatalog(), engine.baseSettings, await orgRulesRepo.list(store, orgId));
      return engine.withRules(settings ?? engine.baseSettings, { timeoutMs: TEST_BOX_TIMEOUT_MS });
    },

    async view(orgId: string) {
      return rulesView(engine.ruleCatalog(), engine.baseSettings, await orgRulesRepo.list(store, orgId));
    },

    /** Switches a whole pack off for this org, or back to its default (on). */
    async setPack(orgId: string, pack: string, enabled: boolean, actor: AuditEventInput['actor']): Promise<void> {
      known('pack', pack);
      if (enabled) await orgRulesRepo.remove(store, orgId, 'pack', pack);
      else await orgRulesRepo.upsert(store, orgId, { scope: 'pack', name: pack, enabled: false, severity: null }, actor.id ?? 'system');
      await changed(orgId, actor, { scope: 'pack', name: pack, enabled, severity: null, reset: enabled });
    },

    /** Switches a rule on or off for this org and/or overrides its severity. */
    async setRule(orgId: string, rule: string, s: { enabled?: boolean | undefined; severity?: Severity | undefined }, actor: AuditEventInput['actor']): Promise<void> {
      known('rule', rule);
      if (s.enabled === undefined && s.severity === undefined) throw new FlowLinkError('invalid_params', 'send "enabled", "severity" or both');
      const setting: OrgRuleSetting = { scope: 'rule', name: rule, enabled: s.enabled ?? null, severity: s.severity ?? null };
      await orgRulesRepo.upsert(store, orgId, setting, actor.id ?? 'system');
      await changed(orgId, actor, { scope: 'rule', name: rule, enabled: setting.enabled, severity: setting.severity, reset: false });
    },

    /** Forgets this org's setting for a rule: the config's (or the pack's) applies again. */
    async resetRule(orgId: string, rule: string, actor: AuditEventInput['actor']): Promise<void> {
      known('rule', rule);
      if (!(await orgRulesRepo.remove(store, orgId, 'rule', rule))) throw new FlowLinkError('not_found', `this organization has no setting for rule "${rule}"`);
      await changed(orgId, actor, { scope: 'rule', name: rule, enabled: null, severity: null, reset: true });
    },
  };
}

export type OrgRules = ReturnType<typeof createOrgRules>;
