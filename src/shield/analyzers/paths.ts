/**
 * Path normalization and classification. Classes (root, system, home, secret, ...) are
 * regexes from the rule packs' `path_classes`; this file only normalizes so that
 * `/home/bob/.ssh/id_rsa`, `$HOME/.ssh/id_rsa` and `/tmp/../home/bob/.ssh//id_rsa`
 * all read as `~/.ssh/id_rsa`.
 */
export type PathClassifier = (raw: string) => Set<string>;

const HOME_VARS = /^(\$HOME|\$\{HOME\}|~[a-z_][a-z0-9_-]*|~)(?=\/|$)/;

export function normalizePath(raw: string): string[] {
  let p = raw.trim().replace(/^["']|["']$/g, '');
  if (!p) return [];
  p = p.replace(HOME_VARS, '~');
  // file:// URLs name local paths.
  if (p.startsWith('file://')) p = p.slice(7);
  const abs = p.startsWith('/');
  const home = p === '~' || p.startsWith('~/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || (seg === '.' && parts.length > 0)) continue;
    if (seg === '..' && parts.length > 0 && parts[parts.length - 1] !== '..' && parts[parts.length - 1] !== '.' && !(home && parts.length === 1)) {
      parts.pop();
      continue;
    }
    if (seg === '..' && abs && parts.length === 0) continue;
    parts.push(seg);
  }
  let norm = (abs ? '/' : '') + parts.join('/');
  if (norm === '') norm = abs ? '/' : '.';
  const out = [norm];
  const m = /^\/(?:home|Users)\/[^/]+(\/.*)?$/.exec(norm) ?? /^\/root(\/.*)?$/.exec(norm);
  if (m) out.push('~' + (m[1] ?? ''));
  return out;
}

/** Words that could name a file: absolute, home-relative, relative with a slash, dot-files, globs. */
export function looksLikePath(w: string): boolean {
  if (!w || w.length > 4096 || w.includes('://') || /[\n]/.test(w)) return false;
  if (/^[/~.*]/.test(w) || w.startsWith('$HOME') || w.startsWith('${HOME}')) return true;
  if (/^\$\{?[A-Za-z_]\w*\}?(\/|$)/.test(w)) return true;
  if (w.startsWith('-')) return false;
  return w.includes('/') || /^(id_(rsa|dsa|ecdsa|ed25519)|credentials|authorized_keys|shadow|sudoers)$/.test(w);
}

export function createPathClassifier(classes: Record<string, RegExp[]>): PathClassifier {
  const entries = Object.entries(classes);
  const cache = new Map<string, Set<string>>();
  return (raw: string) => {
    const hit = cache.get(raw);
    if (hit) return hit;
    const out = new Set<string>();
    if (looksLikePath(raw)) {
      const variants = normalizePath(raw);
      for (const [name, regexes] of entries) {
        if (variants.some((v) => regexes.some((r) => r.test(v)))) out.add(name);
      }
    }
    if (cache.size > 5000) cache.clear();
    cache.set(raw, out);
    return out;
  };
}
