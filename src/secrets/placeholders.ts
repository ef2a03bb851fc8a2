/**
 * `{{secret:NAME}}` (the value) and `{{secretfile:NAME}}` (the path of a file holding it)
 * placeholders in tool arguments, found in any string at any depth. Pure.
 */
export type PlaceholderKind = 'secret' | 'secretfile';

export interface Placeholder {
  kind: PlaceholderKind;
  name: string;
}

const PLACEHOLDER = /\{\{\s*(secret|secretfile):([^{}\s]{1,1100})\s*\}\}/g;
export const MAX_PLACEHOLDERS = 100;
const MAX_DEPTH = 32;

/** Distinct placeholders in `value` (strings only; keys are left alone). */
export function findPlaceholders(value: unknown): Placeholder[] {
  const seen = new Map<string, Placeholder>();
  const walk = (v: unknown, depth: number) => {
    if (seen.size > MAX_PLACEHOLDERS || depth > MAX_DEPTH) return;
    if (typeof v === 'string') {
      if (!v.includes('{{')) return;
      for (const m of v.matchAll(PLACEHOLDER)) seen.set(`${m[1]}:${m[2]}`, { kind: m[1] as PlaceholderKind, name: m[2]! });
    } else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...seen.values()];
}

/** A copy of `value` with every placeholder replaced by `lookup(kind, name)`. */
export function fillPlaceholders<T>(value: T, lookup: (kind: PlaceholderKind, name: string) => string): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return v.includes('{{') ? v.replace(PLACEHOLDER, (_m, kind: PlaceholderKind, name: string) => lookup(kind, name)) : v;
    if (depth > MAX_DEPTH) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, depth + 1)]));
    return v;
  };
  return walk(value, 0) as T;
}
