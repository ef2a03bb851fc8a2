/**
 * Gathers one org's facts for a report. Reads through the owning modules' repos (each
 * takes the org id and filters by it), the boot config and the providers; no check logic
 * here, only collection.
 */
import type { Store } from '../store/store.ts';
import type { Config } from '../config/schema.ts';
import { isStdio } from '../config/schema.ts';
import { resolve as resolvePath } from 'node:path';
import type { PolicyDocument } from '../policy/document.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { orgSettingsRepo, membersRepo, apiKeysRepo } from '../identity/orgs.repo.ts';
import { agentsRepo } from '../identity/agents.repo.ts';
import { auditRepo } from '../audit/audit.repo.ts';
import { checkpointRepo } from '../audit/checkpoint.repo.ts';
import { verifyStoredLog } from '../audit/verify.store.ts';
import { pinsRepo } from '../shield/pins.repo.ts';
import { secretsRepo } from '../secrets/secrets.repo.ts';
import { loadRuleSet } from '../shield/rules.loader.ts';
import { DEFAULT_THRESHOLDS } from '../shield/scoring.ts';
import type { ComplianceFacts, FactsProviders, ServerFacts } from './facts.types.ts';

export interface FactsDeps {
  store: Store;
  config: Config;
  /** Folder the config's relative paths (rule packs) resolve against. */
  baseDir: string;
  /** The active policy set (the running service's, or the latest stored version). */
  policy: () => { version: number; document: PolicyDocument };
  providers: FactsProviders;
  now?: () => Date;
}

const CREDENTIAL_KEY = /pass(word|wd)?|secret|token|api[-_]?key|auth|credential|private[-_]?key|access[-_]?key|cookie|session/i;
const CREDENTIAL_VALUE = /^(bearer|basic|token)\s+\S{8,}|\b(gh[pousr]_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|xox[abpors]-[A-Za-z0-9-]{10,})\b/i;
const SECRET_REF = /\{\{secret(file)?:[^}]+\}\}/;

/** Which env/header entries of a server carry a credential in plain text (names only, never values). */
export function serverFacts(name: string, cfg: Config['servers'][string]): ServerFacts {
  const entries: [string, string][] = isStdio(cfg) ? Object.entries(cfg.env).map(([k, v]) => [`env.${k}`, v]) : Object.entries(cfg.headers).map(([k, v]) => [`headers.${k}`, v]);
  const plaintextKeys: string[] = [];
  let secretRefs = 0;
  for (const [key, value] of entries) {
    if (SECRET_REF.test(value)) secretRefs++;
    else if (value.length > 0 && (CREDENTIAL_KEY.test(key) || CREDENTIAL_VALUE.test(value))) plaintextKeys.push(key);
  }
  if (!isStdio(cfg)) {
    try {
      if (new URL(cfg.url).password) plaintextKeys.push('url.password');
    } catch {
      /* the schema validated the URL */
    }
  } else if (cfg.args.some((a) => CREDENTIAL_VALUE.test(a))) plaintextKeys.push('args');
  return { name, labels: cfg.labels, transport: isStdio(cfg) ? 'stdio' : 'http', plaintextKeys, secretRefs };
}

function shieldFacts(config: Config, baseDir: string): ComplianceFacts['shield'] {
  const sc = config.shield;
  const high = (s: string) => s === 'high' || s === 'critical';
  const builtin = loadRuleSet().rules.filter((r) => high(r.severity));
  const effective = new Map(loadRuleSet((sc.rulePacks ?? []).map((p) => resolvePath(baseDir, p)), { ...(sc.overrides ? { overrides: sc.overrides } : {}), ...(sc.disable ? { disable: sc.disable } : {}) }).rules.map((r) => [r.id, r]));
  const disabledHighRisk = builtin.filter((r) => !effective.has(r.id)).map((r) => r.id);
  const downgradedHighRisk = builtin.filter((r) => effective.has(r.id) && !high(effective.get(r.id)!.severity)).map((r) => r.id);
  const gaps = new Set([...disabledHighRisk, ...downgradedHighRisk]);
  const packs = [...new Set(builtin.map((r) => r.pack))].sort();
  const categories = packs.map((pack) => {
    const inPack = builtin.filter((r) => r.pack === pack);
    return { pack, highRisk: inPack.length, gated: inPack.filter((r) => !gaps.has(r.id)).length };
  });
  return { enabled: sc.enabled, thresholds: sc.thresholds ?? DEFAULT_THRESHOLDS, highRiskRules: builtin.length, disabledHighRisk, downgradedHighRisk, categories };
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export async function gatherFacts(deps: FactsDeps, orgId: string, opts: { verifyChain?: boolean } = {}): Promise<ComplianceFacts> {
  const { store, config } = deps;
  const org = await orgSettingsRepo.get(store, orgId);
  if (!org) throw new FlowLinkError('not_found', 'no such organization');
  const [members, agentRows, keys, pins, secrets, head, checkpoint, retention, siem] = await Promise.all([
    membersRepo.list(store, orgId),
    agentsRepo.list(store, orgId),
    apiKeysRepo.list(store, orgId),
    pinsRepo.list(store, orgId),
    secretsRepo.list(store, orgId),
    auditRepo.head(store, orgId),
    checkpointRepo.latest(store, orgId),
    // Another module's answer that fails counts as "not configured": its check fails, the report still comes.
    deps.providers.retention(orgId).catch(() => ({ configured: false, source: 'retention (unavailable)' })),
    deps.providers.siem(orgId).catch(() => ({ configured: false, sinks: [], source: 'siem (unavailable)' })),
  ]);
  const agents: ComplianceFacts['agents'] = [];
  for (const a of agentRows) {
    const tokens = await agentsRepo.tokens(store, orgId, a.id);
    agents.push({
      id: a.id,
      name: a.name,
      scopes: a.scopes,
      revoked: a.revoked_at !== null,
      createdAt: iso(a.created_at)!,
      lastSeenAt: iso(a.last_seen_at),
      tokens: tokens.filter((t) => !t.revoked_at && (!t.expires_at || new Date(t.expires_at) > (deps.now?.() ?? new Date()))).map((t) => ({ expiresAt: iso(t.expires_at) })),
    });
  }
  let chain: ComplianceFacts['audit']['chain'] = null;
  if (opts.verifyChain !== false) {
    const r = await verifyStoredLog(store, { orgId, maxProblems: 20 });
    chain = { ok: r.ok, records: r.records, beginsAt: r.beginsAt, problems: r.problems.slice(0, 20).map((p) => ({ seq: p.seq, kind: p.kind })) };
  }
  const appr = config.approvals;
  const policy = deps.policy();
  return {
    now: (deps.now?.() ?? new Date()).toISOString(),
    org: { id: org.id, name: org.name, requireMfa: org.require_mfa },
    members: members.map((m) => ({ userId: m.user_id, role: m.role, totp: m.totp_enabled })),
    audit: {
      head: head ? { seq: Number(head.seq), hash: head.hash } : null,
      chain,
      checkpoint: checkpoint ? { seq: Number(checkpoint.seq), hash: checkpoint.hash, ts: iso(checkpoint.ts)!, key_id: checkpoint.key_id } : null,
    },
    shield: shieldFacts(config, deps.baseDir),
    pins: { total: pins.length, quarantined: pins.filter((p) => p.status === 'quarantined').length, servers: [...new Set(pins.map((p) => p.server))].sort() },
    servers: Object.entries(config.servers).map(([name, cfg]) => serverFacts(name, cfg)),
    policy: { version: policy.version, document: policy.document },
    agents,
    apiKeys: keys.filter((k) => !k.revoked_at && (!k.expires_at || new Date(k.expires_at) > (deps.now?.() ?? new Date()))).map((k) => ({ id: k.id, name: k.name, createdAt: iso(k.created_at)!, lastUsedAt: iso(k.last_used_at), expiresAt: iso(k.expires_at) })),
    secrets: secrets.map((s) => ({ name: s.name, updatedAt: iso(s.updated_at)! })),
    approvals: {
      enabled: Boolean(appr?.enabled),
      channels: appr?.enabled ? ['web', ...(appr.slack ? ['slack'] : []), ...(appr.telegram ? ['telegram'] : [])] : [],
      escalation: Boolean(appr?.enabled && appr.escalation),
    },
    retention,
    siem,
  };
}
