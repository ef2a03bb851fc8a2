import type { AgentScopes } from '../scopes.ts';
import { ALL_SCOPES } from '../scopes.ts';

/**
 * The OAuth scope vocabulary for MCP clients, mapped onto agent scopes:
 *   mcp            every server and tool
 *   mcp:S          every tool on server S
 *   mcp:S/T        tool T on server S
 * Names are literal (no globs), so a consent page shows exactly what is granted.
 */
const SERVER = '[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}';
const TOOL = '[A-Za-z0-9_.:-]{1,128}';
const SCOPE = new RegExp(`^mcp(?::${SERVER}(?:/${TOOL})?)?$`);

export type ScopeParse = { ok: true; scopes: string[] } | { ok: false; message: string };

/** Parses a space-separated scope parameter; duplicates are dropped, order kept. */
export function parseScopeParam(raw: string | undefined): ScopeParse {
  if (raw === undefined || raw.trim() === '') return { ok: true, scopes: [] };
  if (raw.length > 4096) return { ok: false, message: 'the scope parameter is longer than 4096 characters' };
  const out: string[] = [];
  for (const s of raw.split(' ').filter(Boolean)) {
    if (!SCOPE.test(s)) return { ok: false, message: `scope "${s.slice(0, 80)}" is not one of mcp, mcp:<server>, mcp:<server>/<tool>` };
    if (!out.includes(s)) out.push(s);
  }
  if (out.length > 100) return { ok: false, message: 'at most 100 scopes may be requested' };
  return { ok: true, scopes: out };
}

export function serverScope(server: string): string {
  return `mcp:${server}`;
}

/** Agent scopes for a granted scope list (everything expressed as server/tool pairs, see scopes.ts). */
export function toAgentScopes(scopes: string[]): AgentScopes {
  if (scopes.includes('mcp')) return ALL_SCOPES;
  const tools = scopes.map((s) => (s.includes('/') ? s.slice(4) : `${s.slice(4)}/*`));
  return { servers: [], tools };
}

/** Drops scopes naming servers that do not exist, so a token never claims more than a consent page showed. */
export function knownOnly(scopes: string[], servers: readonly string[]): string[] {
  return scopes.filter((s) => s === 'mcp' || servers.includes(s.slice(4).split('/')[0]!));
}

/** Is every scope of `want` covered by `have` (used for refresh narrowing)? */
export function isSubset(want: string[], have: string[]): boolean {
  if (have.includes('mcp')) return true;
  return want.every((w) => have.includes(w) || (w.includes('/') && have.includes(w.slice(0, w.indexOf('/')))));
}

/** Readable lines for the consent page. */
export function describeScopes(scopes: string[], lang: 'en' | 'ru'): string[] {
  return scopes.map((s) => {
    if (s === 'mcp') return lang === 'ru' ? 'все серверы и инструменты' : 'all servers and tools';
    const [server, tool] = s.slice(4).split('/');
    if (tool) return lang === 'ru' ? `инструмент «${tool}» на сервере «${server}»` : `tool "${tool}" on server "${server}"`;
    return lang === 'ru' ? `все инструменты сервера «${server}»` : `every tool on server "${server}"`;
  });
}
