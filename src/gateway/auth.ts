import type { IncomingHttpHeaders } from 'node:http';
import type { AgentIdentity, AgentService } from '../identity/agents.service.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/secure-compare.ts';

export interface Authenticated {
  identity: AgentIdentity;
  tokenHash: string | undefined;
  /** An OAuth access token: a request outside its scopes is answered 403 insufficient_scope (step-up), not a JSON-RPC error. */
  stepUp?: boolean;
}

/** The MCP resource a request addresses: /mcp (no server) or /mcp/<server>; undefined when it is no MCP endpoint. */
export type AuthTarget = { server?: string | undefined } | undefined;

/** Recognizes and checks bearer tokens other than agent tokens (OAuth, external JWTs); undefined: not mine. */
export type BearerHook = (token: string, target: AuthTarget) => Promise<Authenticated | undefined>;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopback(addr: string | undefined): boolean {
  return !!addr && (LOOPBACK.has(addr) || addr.startsWith('127.'));
}

/**
 * Resolves the agent behind a request: a bearer token, or (only when configured, and
 * only from loopback) the anonymous identity for clients that cannot send headers.
 */
export function createEdgeAuth(deps: { agents: AgentService; anonymous: { enabled: boolean; agent: string }; bearer?: BearerHook | undefined }) {
  let anonymous: Promise<AgentIdentity> | undefined;
  return async function authenticate(headers: IncomingHttpHeaders, remote: string | undefined, target?: AuthTarget): Promise<Authenticated> {
    const h = headers.authorization;
    if (h) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
      if (!m) throw new FlowLinkError('unauthorized', 'the Authorization header must be "Bearer <agent token>"');
      const hooked = deps.bearer ? await deps.bearer(m[1]!, target) : undefined;
      if (hooked) return hooked;
      const identity = await deps.agents.authenticate(m[1]!);
      if (!identity) throw new FlowLinkError('unauthorized', 'the agent token is not valid (unknown, revoked or expired)');
      return { identity, tokenHash: sha256Hex(m[1]!) };
    }
    if (deps.anonymous.enabled && isLoopback(remote)) {
      anonymous ??= deps.agents.ensureOrg(DEFAULT_ORG).then((org) => deps.agents.anonymous(org.id, deps.anonymous.agent));
      try {
        return { identity: await anonymous, tokenHash: undefined };
      } catch (err) {
        anonymous = undefined;
        throw err;
      }
    }
    throw new FlowLinkError('unauthorized', 'an agent token is required: send "Authorization: Bearer <token>" (create one with `flowlink agent create NAME`)');
  };
}

/**
 * DNS-rebinding guard: a browser tricked into calling a local FlowLink sends the
 * attacker's host name, so only known Host (and Origin) values are accepted.
 */
export function createHostCheck(opts: { listenHost: string; allowedHosts: string[] }) {
  const allowed = new Set(['localhost', '127.0.0.1', '[::1]', '::1', ...opts.allowedHosts.map((h) => h.toLowerCase())]);
  if (opts.listenHost !== '0.0.0.0' && opts.listenHost !== '::') allowed.add(opts.listenHost.toLowerCase());
  const hostOnly = (v: string) => {
    const s = v.toLowerCase();
    if (s.startsWith('[')) return s.slice(0, s.indexOf(']') + 1);
    const i = s.lastIndexOf(':');
    return i > 0 && s.indexOf(':') === i ? s.slice(0, i) : s;
  };
  return function check(headers: IncomingHttpHeaders): string | undefined {
    const host = headers.host;
    if (!host || !allowed.has(hostOnly(host))) return `Host "${host ?? ''}" is not allowed (add it to listen.allowedHosts)`;
    const origin = headers.origin;
    if (origin && origin !== 'null') {
      let o: string;
      try {
        o = new URL(origin).host;
      } catch {
        return `Origin "${origin}" is not a valid origin`;
      }
      if (!allowed.has(hostOnly(o))) return `Origin "${origin}" is not allowed`;
    }
    return undefined;
  };
}
