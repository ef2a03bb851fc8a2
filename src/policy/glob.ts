/**
 * Glob matching for policy scopes and argument conditions, compiled once per rule.
 * Names (servers, tools, agents, rule ids): `*` is any run of characters, `?` one.
 * Paths: `*` and `?` stop at `/`, `**` crosses it. A literal needs no regex, so the
 * common case is a Set lookup.
 */
export type Matcher = (value: string) => boolean;

export const ANY: Matcher = () => true;
export const NONE: Matcher = () => false;

export function isLiteral(glob: string): boolean {
  return !/[*?]/.test(glob);
}

function escape(c: string): string {
  return /[\\^$.|+()[\]{}]/.test(c) ? `\\${c}` : c;
}

export function globSource(glob: string, mode: 'name' | 'path'): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (mode === 'path' && glob[i + 1] === '*') {
        // `/**/` also matches a single `/`, so `/etc/**/passwd` matches `/etc/passwd`.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += mode === 'path' ? '[^/]*' : '.*';
    } else if (c === '?') out += mode === 'path' ? '[^/]' : '.';
    else out += escape(c);
  }
  return out;
}

/** One matcher for a list of globs: true when any glob matches. An empty list matches nothing. */
export function compileGlobs(globs: readonly string[], opts: { mode?: 'name' | 'path'; caseInsensitive?: boolean } = {}): Matcher {
  const mode = opts.mode ?? 'name';
  const ci = opts.caseInsensitive === true;
  if (globs.length === 0) return NONE;
  if (mode === 'name' && globs.includes('*')) return ANY;
  const literals = new Set<string>();
  const patterns: string[] = [];
  for (const g of globs) {
    if (isLiteral(g)) literals.add(ci ? g.toLowerCase() : g);
    else patterns.push(globSource(g, mode));
  }
  const re = patterns.length ? new RegExp(`^(?:${patterns.join('|')})$`, ci ? 'is' : 's') : undefined;
  if (!re) return ci ? (v) => literals.has(v.toLowerCase()) : (v) => literals.has(v);
  if (literals.size === 0) return (v) => re.test(v);
  return ci ? (v) => literals.has(v.toLowerCase()) || re.test(v) : (v) => literals.has(v) || re.test(v);
}
