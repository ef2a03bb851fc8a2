/**
 * A policy document is what gets versioned: the `policies:` and `rateLimits:` sections,
 * from flowlink.yaml or the API. Parsing is all-or-nothing: one bad field rejects the
 * whole document, with a message naming the rule and the field.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { PoliciesConfigSchema, type PoliciesConfig } from './policy.schema.ts';
import { RateLimitsConfigSchema, type RateLimitsConfig } from '../ratelimit/ratelimit.schema.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { sha256Hex } from '../lib/secure-compare.ts';
import type { Result } from '../lib/errors.ts';
import { FlowLinkError } from '../lib/errors.ts';

export const PolicyDocumentSchema = z.strictObject({
  policies: PoliciesConfigSchema.default({ defaults: { posture: 'allow', orgs: {}, denyServers: [] }, groups: {}, rules: [] }),
  rateLimits: RateLimitsConfigSchema.default({ backend: 'memory', redis: { url: 'redis://127.0.0.1:6379', prefix: 'flowlink:rl:', timeoutMs: 250 }, onBackendError: 'closed', limits: [] }),
});

export type PolicyDocument = z.output<typeof PolicyDocumentSchema>;
export type PolicyDocumentInput = z.input<typeof PolicyDocumentSchema>;
export type { PoliciesConfig, RateLimitsConfig };

/** The sections of flowlink.yaml this module owns; the rest belongs to the boot config. */
const SECTIONS = ['policies', 'rateLimits'] as const;

type Raw = Record<string, unknown>;

/** `policies.rules[3] "deny-prod-deletes": when.paths[0]: message` — names the rule by index and id. */
export function formatPolicyIssues(source: string, raw: unknown, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const parts: string[] = [];
      let node: unknown = raw;
      let label = '';
      for (const [k, seg] of i.path.entries()) {
        const key = typeof seg === 'symbol' ? String(seg) : seg;
        if (typeof key === 'number') label += `[${key}]`;
        else label += (label ? '.' : '') + key;
        node = node && typeof node === 'object' ? (node as Raw)[key as string] : undefined;
        const parent = i.path[k - 1];
        // After rules[i] / limits[i], name the entry by its id and restart the field path.
        if (typeof key === 'number' && (parent === 'rules' || parent === 'limits')) {
          const id = node && typeof node === 'object' ? (node as Raw).id : undefined;
          parts.push(`${label}${typeof id === 'string' ? ` "${id}"` : ''}`);
          label = '';
        }
      }
      if (label) parts.push(label);
      let msg = i.message;
      if (i.code === 'unrecognized_keys') msg = `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      if (i.code === 'invalid_value' && 'values' in i) msg = `expected one of ${(i.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      return `${source}: ${parts.length ? parts.join(': ') : '(top level)'}: ${msg}`;
    })
    .join('\n');
}

function duplicateIds(source: string, raw: unknown): string[] {
  const out: string[] = [];
  for (const [section, list] of [['policies', 'rules'], ['rateLimits', 'limits']] as const) {
    const entries = ((raw as Raw)[section] as Raw | undefined)?.[list];
    if (!Array.isArray(entries)) continue;
    const seen = new Map<unknown, number>();
    entries.forEach((e: unknown, i) => {
      const id = e && typeof e === 'object' ? (e as Raw).id : undefined;
      if (typeof id !== 'string') return;
      const first = seen.get(id);
      if (first !== undefined) out.push(`${source}: ${section}.${list}[${i}] "${id}": id: duplicate ${list === 'rules' ? 'rule' : 'limit'} id "${id}" (first used by ${list}[${first}])`);
      else seen.set(id, i);
    });
  }
  return out;
}

/** Validates a document given as data (API body or parsed YAML). */
export function validateDocument(raw: unknown, source: string): Result<PolicyDocument> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, error: new FlowLinkError('invalid_params', `${source}: expected an object with "policies" and/or "rateLimits"`) };
  }
  const parsed = PolicyDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    // Cross-entry checks (duplicate ids) only run once every entry parses; report them now too, so one pass lists every problem.
    const lines = [formatPolicyIssues(source, raw, parsed.error.issues), ...duplicateIds(source, raw)];
    return { ok: false, error: new FlowLinkError('invalid_params', [...new Set(lines.join('\n').split('\n'))].join('\n')) };
  }
  return { ok: true, value: parsed.data };
}

/** Parses YAML text: a whole flowlink.yaml (other sections are ignored here) or a file with only these sections. */
export function parseDocumentText(text: string, source: string): Result<PolicyDocument> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) return { ok: false, error: new FlowLinkError('invalid_params', doc.errors.map((e) => `${source}: ${e.message}`).join('\n')) };
  const all = (doc.toJS() ?? {}) as unknown;
  if (all === null || typeof all !== 'object' || Array.isArray(all)) return { ok: false, error: new FlowLinkError('invalid_params', `${source}: expected a YAML mapping at the top level`) };
  const picked: Raw = {};
  for (const k of SECTIONS) if ((all as Raw)[k] !== undefined) picked[k] = (all as Raw)[k];
  return validateDocument(picked, source);
}

/** Stable digest of a validated document, to tell whether a file changed in substance. */
export function documentChecksum(doc: PolicyDocument): string {
  return sha256Hex(canonicalJson(doc));
}
