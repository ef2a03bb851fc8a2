import { SecretRedactor, type KnownSecret } from './redact.ts';

const MAX_PER_SCOPE = 2_000;

/**
 * Every value FlowLink has injected, so it can be taken out of whatever comes back: per
 * org (values injected into that org's calls), plus global ones (values placed in an
 * upstream's environment or headers from the config, which any org's call may echo).
 * Redactors are rebuilt lazily when a scope changes. A scope keeps its most recent
 * MAX_PER_SCOPE values.
 */
export class InjectedValues {
  private readonly scopes = new Map<string, Map<string, string>>();
  private readonly cache = new Map<string, SecretRedactor>();
  private static readonly GLOBAL = '\0global';

  private add(scope: string, name: string, value: string) {
    let m = this.scopes.get(scope);
    if (!m) this.scopes.set(scope, (m = new Map()));
    if (m.get(value) === name) return;
    m.delete(value);
    m.set(value, name);
    if (m.size > MAX_PER_SCOPE) m.delete(m.keys().next().value!);
    this.cache.clear();
  }

  addForOrg(orgId: string, name: string, value: string) {
    this.add(orgId, name, value);
  }

  addGlobal(name: string, value: string) {
    this.add(InjectedValues.GLOBAL, name, value);
  }

  private entries(scopes: string[]): KnownSecret[] {
    const out: KnownSecret[] = [];
    for (const s of scopes) for (const [value, name] of this.scopes.get(s) ?? []) out.push({ name, value });
    return out;
  }

  /** For an org's results and notifications: its own values and the global ones (never another org's names). */
  forOrg(orgId: string): SecretRedactor {
    let r = this.cache.get(orgId);
    if (!r) this.cache.set(orgId, (r = new SecretRedactor(this.entries([InjectedValues.GLOBAL, orgId]))));
    return r;
  }

  /** For FlowLink's own logs: every value known to this process. */
  all(): SecretRedactor {
    let r = this.cache.get('\0all');
    if (!r) this.cache.set('\0all', (r = new SecretRedactor(this.entries([...this.scopes.keys()]))));
    return r;
  }
}
