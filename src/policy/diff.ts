/**
 * A readable diff between two policy documents, stored with each version: rules and
 * limits are compared by id (added, removed, changed fields), the other sections as a whole.
 */
import { canonicalJson } from '../lib/canonical-json.ts';
import type { PolicyDocument } from './document.ts';

function byId<T extends { id: string }>(xs: readonly T[]): Map<string, T> {
  return new Map(xs.map((x) => [x.id, x]));
}

function fieldChanges(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: string[] = [];
  for (const k of keys) {
    const x = canonicalJson(a[k]);
    const y = canonicalJson(b[k]);
    if (x !== y) out.push(`${k}: ${a[k] === undefined ? '(none)' : x} -> ${b[k] === undefined ? '(none)' : y}`);
  }
  return out;
}

function listDiff<T extends { id: string }>(kind: string, before: readonly T[], after: readonly T[], out: string[]) {
  const a = byId(before);
  const b = byId(after);
  for (const [id, x] of a) if (!b.has(id)) out.push(`- ${kind} "${id}"`);
  for (const [id, y] of b) {
    const x = a.get(id);
    if (!x) out.push(`+ ${kind} "${id}": ${canonicalJson(y)}`);
    else {
      const ch = fieldChanges(x as unknown as Record<string, unknown>, y as unknown as Record<string, unknown>);
      if (ch.length) out.push(`~ ${kind} "${id}": ${ch.join('; ')}`);
    }
  }
  const order = (xs: readonly T[]) => xs.map((x) => x.id).filter((id) => a.has(id) && b.has(id)).join('\0');
  if (order(before) !== order(after)) out.push(`~ ${kind} order changed`);
}

export function diffDocuments(before: PolicyDocument | undefined, after: PolicyDocument): string {
  if (!before) return `initial version: ${after.policies.rules.length} rules, ${after.rateLimits.limits.length} limits`;
  const out: string[] = [];
  const sect = (name: string, x: unknown, y: unknown) => {
    if (canonicalJson(x) !== canonicalJson(y)) out.push(`~ ${name}: ${canonicalJson(x)} -> ${canonicalJson(y)}`);
  };
  sect('policies.defaults', before.policies.defaults, after.policies.defaults);
  sect('policies.groups', before.policies.groups, after.policies.groups);
  listDiff('rule', before.policies.rules, after.policies.rules, out);
  const { limits: la, ...ra } = before.rateLimits;
  const { limits: lb, ...rb } = after.rateLimits;
  sect('rateLimits', ra, rb);
  listDiff('limit', la, lb, out);
  return out.length ? out.join('\n') : 'no changes';
}
