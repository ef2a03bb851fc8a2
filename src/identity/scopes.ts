import { FlowLinkError, type Result } from '../lib/errors.ts';

/**
 * What an agent may reach: glob lists of upstream server names and tool names. A call to
 * tool T on server S is in scope when some `servers` glob matches S and some `tools` glob
 * matches T, or when a `tools` entry of the form `S-glob/T-glob` matches both.
 * `*` matches any run of characters, `?` one character. The default is everything.
 */
export interface AgentScopes {
  servers: string[];
  tools: string[];
}

export const ALL_SCOPES: AgentScopes = { servers: ['*'], tools: ['*'] };
const GLOB = /^[A-Za-z0-9_.*?:\/-]{1,128}$/;

export function parseScopes(v: unknown): Result<AgentScopes> {
  const fail = (m: string): Result<AgentScopes> => ({ ok: false, error: new FlowLinkError('invalid_params', m) });
  if (v === undefined) return { ok: true, value: ALL_SCOPES };
  if (!v || typeof v !== 'object') return fail('scopes must be an object { servers: [...], tools: [...] }');
  const o = v as Record<string, unknown>;
  const out: AgentScopes = { servers: [], tools: [] };
  for (const k of ['servers', 'tools'] as const) {
    const list = o[k] ?? ['*'];
    if (!Array.isArray(list) || list.length > 100 || !list.every((g) => typeof g === 'string' && GLOB.test(g))) return fail(`scopes.${k} must be a list of up to 100 globs of letters, digits and _ . - : / * ?`);
    out[k] = list as string[];
  }
  return { ok: true, value: out };
}

const cache = new Map<string, RegExp>();
function globRe(g: string): RegExp {
  let re = cache.get(g);
  if (!re) {
    re = new RegExp('^' + g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    if (cache.size < 10_000) cache.set(g, re);
  }
  return re;
}

export function globMatch(glob: string, value: string): boolean {
  return globRe(glob).test(value);
}

/** Pure check for the gateway: may an agent with these scopes call `tool` on `server`? */
export function scopeAllows(scopes: AgentScopes, server: string, tool: string): boolean {
  for (const t of scopes.tools) {
    const i = t.indexOf('/');
    if (i >= 0 && globMatch(t.slice(0, i), server) && globMatch(t.slice(i + 1), tool)) return true;
  }
  return scopes.servers.some((g) => globMatch(g, server)) && scopes.tools.some((g) => !g.includes('/') && globMatch(g, tool));
}

/** May an agent with these scopes see server `server` at all (for listing and routing)? */
export function serverAllowed(scopes: AgentScopes, server: string): boolean {
  return scopes.servers.some((g) => globMatch(g, server)) || scopes.tools.some((t) => t.includes('/') && globMatch(t.slice(0, t.indexOf('/')), server));
}
