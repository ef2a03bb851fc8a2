/**
 * Facts that rule conditions look at (paths, hosts, namespaces, SQL statement kinds),
 * gathered from the call's arguments and from Shield's targets and reasons. Shield has
 * already parsed shell, SQL and kubectl-like tools, so its targets are the main source;
 * the arguments cover tools Shield found nothing in.
 */
import { posix } from 'node:path';
import type { Facts, ShieldInput } from './policy.types.ts';

const PATH_KEY = /^(path|paths|file|files|filename|file_?path|source|destination|dest|target_?path|dir|directory|folder|cwd|root)$/i;
const URL_KEY = /^(url|uri|urls|endpoint|href|link|webhook)$/i;
const HOST_KEY = /^(host|hostname|hosts|server_?host|address)$/i;
const NS_KEY = /^(namespace|ns)$/i;
const SQL_KEY = /^(sql|query|statement|stmt)$/i;
const MAX_DEPTH = 4;
const MAX_STRINGS = 200;

/** `/home/bob/x`, `/Users/bob/x` and `/root/x` are also seen as `~/x`, the form Shield's targets use. */
function withHome(p: string, out: Set<string>) {
  const norm = p.startsWith('/') ? posix.normalize(p) : p;
  out.add(norm);
  const m = /^\/(?:home\/[^/]+|Users\/[^/]+|root)(\/.*)?$/.exec(norm);
  if (m) out.add('~' + (m[1] ?? ''));
}

function hostOf(u: string): string | undefined {
  try {
    return new URL(u).hostname.toLowerCase().replace(/^\[|\]$/g, '') || undefined;
  } catch {
    return undefined;
  }
}

/** First keyword of each statement; a CTE also reports the writes inside it. */
export function sqlKinds(text: string, out: Set<string>) {
  for (const stmt of text.slice(0, 100_000).split(';')) {
    const t = stmt.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').trim().toLowerCase();
    if (!t) continue;
    const first = /^[a-z_]+/.exec(t)?.[0];
    if (!first) continue;
    if (first === 'with' || first === 'explain') {
      for (const w of ['delete', 'update', 'insert', 'merge']) if (new RegExp(`\\b${w}\\b`).test(t)) out.add(w);
      out.add('select');
    } else out.add(first);
  }
}

const SQL_RULE_KIND: Array<[RegExp, string]> = [
  [/^sql\.drop-/, 'drop'],
  [/^sql\.truncate$/, 'truncate'],
  [/^sql\.delete-/, 'delete'],
  [/^sql\.update-/, 'update'],
  [/^sql\.grant/, 'grant'],
  [/^sql\.copy-program$/, 'copy_program'],
  [/^sql\.alter-system$/, 'alter_system'],
];

export function gatherFacts(args: Record<string, unknown> | undefined, shield: ShieldInput | undefined): Facts {
  const paths = new Set<string>();
  const hosts = new Set<string>();
  const namespaces = new Set<string>();
  const sql = new Set<string>();
  let budget = MAX_STRINGS;

  const visit = (v: unknown, key: string, depth: number) => {
    if (budget <= 0 || depth > MAX_DEPTH) return;
    if (typeof v === 'string') {
      budget--;
      if (PATH_KEY.test(key)) withHome(v, paths);
      else if (URL_KEY.test(key)) {
        const h = hostOf(v);
        if (h) hosts.add(h);
      } else if (HOST_KEY.test(key)) hosts.add((hostOf(`x://${v}`) ?? v).toLowerCase());
      else if (NS_KEY.test(key)) namespaces.add(v);
      else if (SQL_KEY.test(key)) sqlKinds(v, sql);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x, key, depth + 1);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) visit(x, k, depth + 1);
    }
  };
  if (args) for (const [k, v] of Object.entries(args)) visit(v, k, 0);

  for (const t of shield?.targets ?? []) {
    if (t.kind === 'path') withHome(t.value, paths);
    else if (t.kind === 'host') hosts.add(t.value.toLowerCase());
    else if (t.kind === 'url') {
      const h = hostOf(t.value);
      if (h) hosts.add(h);
    } else if (t.kind === 'k8s' && typeof t.namespace === 'string') namespaces.add(t.namespace);
    else if (t.kind === 'table' && typeof t.op === 'string') sql.add(t.op);
  }
  for (const r of shield?.reasons ?? []) {
    for (const [re, kind] of SQL_RULE_KIND) if (re.test(r.rule)) sql.add(kind);
  }
  return { paths: [...paths], hosts: [...hosts], namespaces: [...namespaces], sql: [...sql] };
}
