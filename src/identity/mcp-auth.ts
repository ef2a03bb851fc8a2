import type { Store } from '../store/store.ts';
import type { Authenticated } from '../gateway/auth.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/secure-compare.ts';
import type { OAuthServer } from './oauth-server/oauth.service.ts';
import { TOKEN_PREFIX } from './oauth-server/oauth.service.ts';
import type { JwtVerifier } from './mcp-auth.jwt.ts';
import { serverScope } from './oauth-server/oauth-scopes.ts';

export const OAUTH_CHANNEL = 'flowlink_oauth_tokens';
const AGENT_CHANNEL = 'flowlink_agent_tokens';
const CACHE_TTL_MS = 30_000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Where a request is going: the aggregate /mcp, one server, or (decide API) no MCP resource. */
export type McpTarget = { server?: string | undefined } | undefined;

interface Known {
  kind: 'oauth' | 'jwt';
  auth: Authenticated;
  /** The token's resource path (oauth) — '/mcp' covers every server. */
  path: string;
  /** Token expiry (ms). */
  exp: number;
  /** Cache validity (ms); cleared at once by revocations (NOTIFY). */
  until: number;
}

/**
 * The MCP edge's bearer-token hook for OAuth: FlowLink's own access tokens (`fl_oat_…`)
 * and, when configured, an external issuer's JWTs. Other tokens (pasted agent tokens)
 * are not recognized here and go to the agent service as before.
 */
export function createMcpAuth(deps: { store: Store; oauth?: OAuthServer | undefined; jwt?: JwtVerifier | undefined; clock?: () => number }) {
  const now = deps.clock ?? Date.now;
  const known = new Map<string, Known>();
  const unlisten: (() => Promise<void>)[] = [];

  /** A token or an agent was revoked somewhere: forget every cached verdict (they are cheap to redo). */
  function dropAll() {
    known.clear();
    deps.jwt?.invalidate();
  }

  function remember(hash: string, k: Known) {
    if (known.size > 50_000) for (const [h, v] of known) if (v.exp <= now()) known.delete(h);
    known.set(hash, k);
  }

  function checkTarget(path: string, target: McpTarget) {
    const want = target === undefined ? undefined : target.server === undefined ? '/mcp' : `/mcp/${target.server}`;
    if (path === '/mcp' || path === want) return;
    throw new FlowLinkError('unauthorized', want ? `the access token was issued for another resource (${path}), not ${want}` : 'this access token is only valid on the MCP endpoint it was issued for');
  }

  return {
    async start(): Promise<void> {
      unlisten.push(await deps.store.listen(OAUTH_CHANNEL, dropAll));
      unlisten.push(await deps.store.listen(AGENT_CHANNEL, dropAll));
    },
    async stop(): Promise<void> {
      for (const u of unlisten.splice(0)) await u();
    },

    /** Drops cached OAuth tokens here and on every other instance. */
    async revoked(): Promise<void> {
      dropAll();
      await deps.store.notify(OAUTH_CHANNEL, 'revoked');
    },

    /**
     * Authenticates a token this hook recognizes; undefined for any other token. Throws
     * `unauthorized` for a recognized token that is not valid (here and now, for this target).
     */
    async authenticate(token: string, target: McpTarget): Promise<Authenticated | undefined> {
      const isOAuth = deps.oauth !== undefined && token.startsWith(`${TOKEN_PREFIX}_`);
      const isJwt = !isOAuth && deps.jwt !== undefined && JWT_SHAPE.test(token) && token.length < 16_384;
      if (!isOAuth && !isJwt) return undefined;
      const hash = sha256Hex(token);
      const hit = known.get(hash);
      if (hit && hit.until > now() && hit.exp > now()) {
        checkTarget(hit.path, target);
        return hit.auth;
      }
      if (isOAuth) {
        const v = await deps.oauth!.validateHash(hash);
        if (!v) {
          known.delete(hash);
          throw new FlowLinkError('unauthorized', 'the access token is not valid (unknown, revoked or expired)');
        }
        const path = new URL(v.row.resource).pathname.replace(/\/$/, '');
        const exp = v.row.expires_at.getTime();
        const auth: Authenticated = { identity: v.identity, tokenHash: hash, stepUp: true };
        remember(hash, { kind: 'oauth', auth, path, exp, until: Math.min(now() + CACHE_TTL_MS, exp) });
        checkTarget(path, target);
        return auth;
      }
      const v = await deps.jwt!.verify(token);
      const exp = v.exp * 1000;
      const auth: Authenticated = { identity: v.identity, tokenHash: hash, stepUp: true };
      remember(hash, { kind: 'jwt', auth, path: '/mcp', exp, until: Math.min(now() + CACHE_TTL_MS, exp) });
      return auth;
    },

    /**
     * Liveness for the pipeline's authenticate stage, by token hash: undefined when the hash
     * is not one of ours (the caller then asks the agent service).
     */
    async isLive(hash: string): Promise<boolean | undefined> {
      const k = known.get(hash);
      if (!k) return undefined;
      if (k.exp <= now()) return false;
      if (k.kind === 'jwt' || k.until > now()) return true;
      const v = await deps.oauth?.validateHash(hash);
      if (!v) {
        known.delete(hash);
        return false;
      }
      k.until = Math.min(now() + CACHE_TTL_MS, k.exp);
      return true;
    },
  };
}

export type McpAuth = ReturnType<typeof createMcpAuth>;

/** The scope a request to this target needs (named in WWW-Authenticate challenges). */
export function requiredScope(target: McpTarget): string {
  return target?.server ? serverScope(target.server) : 'mcp';
}

/** RFC 6750 §3 challenge with RFC 9728 resource_metadata; values are quoted-string safe by construction. */
export function bearerChallenge(p: { resourceMetadata: string; scope: string; error?: 'invalid_token' | 'insufficient_scope'; description?: string }): string {
  const q = (v: string) => v.replace(/["\\\r\n]/g, '');
  const parts = ['Bearer realm="flowlink"'];
  if (p.error) parts.push(`error="${p.error}"`);
  if (p.description) parts.push(`error_description="${q(p.description).slice(0, 200)}"`);
  parts.push(`resource_metadata="${q(p.resourceMetadata)}"`, `scope="${q(p.scope)}"`);
  return parts.join(', ');
}
