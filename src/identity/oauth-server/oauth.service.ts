import type { Store } from '../../store/store.ts';
import type { AuditEventInput } from '../../audit/audit.writer.ts';
import type { AgentIdentity } from '../agents.service.ts';
import { agentsRepo } from '../agents.repo.ts';
import { membersRepo } from '../orgs.repo.ts';
import { can } from '../roles.ts';
import { randomId, randomToken, sha256Hex, safeEqual } from '../../lib/secure-compare.ts';
import type { ClientService, OAuthClient } from './clients.service.ts';
import { codesRepo, grantsRepo, tokensRepo, type TokenRow } from './oauth.repo.ts';
import { isValidChallenge, verifyS256 } from './pkce.ts';
import { isSubset, knownOnly, parseScopeParam, serverScope, toAgentScopes } from './oauth-scopes.ts';

/** An OAuth protocol error (RFC 6749 §5.2 / §4.1.2.1): mapped to its wire form once, by the routes. */
export interface OAuthFailure {
  ok: false;
  error: string;
  description: string;
  /** 401 for invalid_client, else 400. */
  status?: number;
}

export interface TokenResponse {
  ok: true;
  body: { access_token: string; token_type: 'Bearer'; expires_in: number; refresh_token: string; scope: string };
}

/** A validated authorization request, ready for the consent page. */
export interface AuthorizeRequest {
  client: OAuthClient;
  redirectUri: string;
  codeChallenge: string;
  state: string | undefined;
  scopes: string[];
  resource: string;
}

export type AuthorizeCheck =
  | { ok: true; request: AuthorizeRequest }
  /** No trustworthy redirect URI: shown to the person, never redirected. */
  | { ok: false; redirect: false; message: string }
  | { ok: false; redirect: true; redirectUri: string; state: string | undefined; error: string; description: string };

export const TOKEN_PREFIX = 'fl_oat';
const REFRESH_PREFIX = 'fl_ort';
const CODE_TTL_MS = 60_000;

export interface OAuthServerDeps {
  store: Store;
  clients: ClientService;
  audit: { append(e: AuditEventInput): Promise<number> };
  /** Upstream server names (scopes naming other servers are refused). */
  servers: () => readonly string[];
  accessTtlMs: number;
  refreshTtlMs: number;
  clock?: () => number;
  /** Called after any token was revoked, so every instance drops cached tokens at once. */
  onRevoked?: () => Promise<void>;
}

const fail = (error: string, description: string, status?: number): OAuthFailure => ({ ok: false, error, description, ...(status ? { status } : {}) });

function agentNameFor(client: OAuthClient): string {
  const slug = client.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32) || 'client';
  return `mcp-${slug}-${randomId().slice(0, 8).replace(/[^A-Za-z0-9]/g, 'x')}`;
}

/** Path of a resource URL (`/mcp` or `/mcp/<server>`), or undefined when it is not one of ours. */
export function resourcePath(resource: string, servers: readonly string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(resource);
  } catch {
    return undefined;
  }
  if (u.search || u.hash) return undefined;
  const p = u.pathname.replace(/\/$/, '');
  if (p === '/mcp') return p;
  const m = /^\/mcp\/([^/]+)$/.exec(p);
  return m && servers.includes(m[1]!) ? p : undefined;
}

/**
 * FlowLink's authorization server: authorization codes bound to PKCE S256, the redirect
 * URI, the resource and the client; opaque access tokens (short-lived) and refresh
 * tokens (rotated on every use; reuse revokes the whole family). Each consent belongs
 * to one (org, user, client) grant with its own agent, so policies, audit and rate limits
 * see an OAuth client exactly like an agent with a pasted token.
 */
export function createOAuthServer(deps: OAuthServerDeps) {
  const { store } = deps;
  const now = deps.clock ?? Date.now;

  async function issueTokens(grant: { orgId: string; grantId: string; clientId: string; agentId: string }, familyId: string, scope: string, resource: string): Promise<TokenResponse> {
    const access = randomToken(TOKEN_PREFIX);
    const refresh = randomToken(REFRESH_PREFIX);
    const base = { org_id: grant.orgId, grant_id: grant.grantId, family_id: familyId, client_id: grant.clientId, agent_id: grant.agentId, scope, resource };
    await store.tx(async (q) => {
      await tokensRepo.insert(q, { ...base, token_hash: sha256Hex(access), id: `oat_${randomId()}`, kind: 'access', expires_at: new Date(now() + deps.accessTtlMs) });
      await tokensRepo.insert(q, { ...base, token_hash: sha256Hex(refresh), id: `ort_${randomId()}`, kind: 'refresh', expires_at: new Date(now() + deps.refreshTtlMs) });
    });
    return { ok: true, body: { access_token: access, token_type: 'Bearer', expires_in: Math.floor(deps.accessTtlMs / 1000), refresh_token: refresh, scope } };
  }

  async function audit(orgId: string, kind: AuditEventInput['kind'], outcome: AuditEventInput['outcome'], actor: AuditEventInput['actor'], data: Record<string, unknown>) {
    await deps.audit.append({ orgId, kind, actor, outcome, data });
  }

  /**
   * A grant still stands while it is not revoked, its agent is not revoked, and the person who
   * consented is still a member allowed to connect clients (removal or demotion ends it).
   */
  async function liveGrant(orgId: string, grantId: string) {
    const grant = await grantsRepo.get(store, orgId, grantId);
    if (!grant || grant.revoked_at) return undefined;
    const agent = await agentsRepo.byId(store, orgId, grant.agent_id);
    if (!agent || agent.revoked_at) return undefined;
    const member = await membersRepo.get(store, orgId, grant.user_id);
    if (!member || !can(member.role, 'agents.manage')) return undefined;
    return { grant, agent };
  }

  /** The same check by the token's digest (the pipeline re-checks liveness by hash on every call). */
  async function validateHash(hash: string): Promise<{ row: TokenRow; identity: AgentIdentity } | undefined> {
    const row = await tokensRepo.liveAccess(store, hash);
    if (!row) return undefined;
    const live = await liveGrant(row.org_id, row.grant_id);
    if (!live || live.agent.id !== row.agent_id) return undefined;
    const agent = live.agent;
    return { row, identity: { orgId: row.org_id, agentId: agent.id, agentName: agent.name, labels: agent.labels, scopes: toAgentScopes(row.scope.split(' ')) } };
  }


  return {
    /** Validates an authorization request (RFC 6749 §4.1.1 with PKCE and RFC 8707 resource). `base` is FlowLink's public URL. */
    async checkAuthorize(p: Record<string, string | undefined>, base: string): Promise<AuthorizeCheck> {
      const found = await deps.clients.resolve(p.client_id);
      if (!found.ok) return { ok: false, redirect: false, message: found.message };
      const client = found.client;
      const redirectUri = p.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
      // Exact string match (OAuth 2.1): no prefix or pattern matching.
      if (!redirectUri || !client.redirectUris.includes(redirectUri)) return { ok: false, redirect: false, message: 'the redirect_uri is missing or not registered for this client' };
      const state = p.state !== undefined ? p.state.slice(0, 1024) : undefined;
      const back = (error: string, description: string): AuthorizeCheck => ({ ok: false, redirect: true, redirectUri, state, error, description });
      if (p.response_type !== 'code') return back('unsupported_response_type', 'response_type must be code');
      if (!p.code_challenge) return back('invalid_request', 'code_challenge is required (PKCE)');
      if ((p.code_challenge_method ?? 'plain') !== 'S256') return back('invalid_request', 'code_challenge_method must be S256');
      if (!isValidChallenge(p.code_challenge)) return back('invalid_request', 'code_challenge must be a base64url SHA-256 digest (43 characters)');
      const resource = p.resource ?? `${base}/mcp`;
      const path = resourcePath(resource, deps.servers());
      if (!path || !resource.startsWith(`${base}/`)) return back('invalid_target', `resource must be ${base}/mcp or ${base}/mcp/<server>`);
      const parsed = parseScopeParam(p.scope);
      if (!parsed.ok) return back('invalid_scope', parsed.message);
      let scopes = parsed.scopes;
      if (knownOnly(scopes, deps.servers()).length !== scopes.length) return back('invalid_scope', 'a requested scope names a server that is not configured');
      if (scopes.length === 0) scopes = path === '/mcp' ? ['mcp'] : [serverScope(path.slice(5))];
      return { ok: true, request: { client, redirectUri, codeChallenge: p.code_challenge, state, scopes, resource } };
    },

    /** The person approved: record the grant (with its agent) and mint a single-use code. */
    async approve(r: AuthorizeRequest, user: { id: string }, orgId: string): Promise<{ code: string }> {
      const code = randomToken('fl_code');
      const scope = r.scopes.join(' ');
      const { grantId, agentId } = await store.tx(async (q) => {
        let grant = await grantsRepo.live(q, orgId, user.id, r.client.clientId);
        let agent = grant ? await agentsRepo.byId(q, orgId, grant.agent_id) : undefined;
        if (!agent || agent.revoked_at) {
          agent = await agentsRepo.insert(q, { id: `agt_${randomId()}`, orgId, name: agentNameFor(r.client), labels: { source: 'oauth', oauth_client: r.client.name.slice(0, 100), user: user.id } });
        }
        await agentsRepo.setScopes(q, orgId, agent.id, toAgentScopes(r.scopes));
        if (grant) await grantsRepo.update(q, orgId, grant.id, { agentId: agent.id, scope });
        else {
          grant = { id: `grt_${randomId()}`, org_id: orgId, user_id: user.id, client_id: r.client.clientId, agent_id: agent.id, scope, revoked_at: null };
          await grantsRepo.insert(q, { id: grant.id, orgId, userId: user.id, clientId: r.client.clientId, agentId: agent.id, scope });
        }
        await codesRepo.insert(q, { code_hash: sha256Hex(code), org_id: orgId, grant_id: grant.id, family_id: `fam_${randomId()}`, client_id: r.client.clientId, redirect_uri: r.redirectUri, code_challenge: r.codeChallenge, scope, resource: r.resource, expires_at: new Date(now() + CODE_TTL_MS) });
        return { grantId: grant.id, agentId: agent.id };
      });
      await audit(orgId, 'oauth.consent.granted', 'success', { type: 'user', id: user.id }, { grant_id: grantId, client_id: r.client.clientId.slice(0, 512), agent_id: agentId, scope, resource: r.resource });
      return { code };
    },

    async deny(r: AuthorizeRequest, user: { id: string }, orgId: string): Promise<void> {
      await audit(orgId, 'oauth.consent.denied', 'denied', { type: 'user', id: user.id }, { client_id: r.client.clientId.slice(0, 512), scope: r.scopes.join(' '), resource: r.resource });
    },

    /** grant_type=authorization_code. */
    async exchangeCode(f: Record<string, string | undefined>): Promise<TokenResponse | OAuthFailure> {
      if (!f.code || !f.code_verifier || !f.redirect_uri || !f.client_id) return fail('invalid_request', 'code, code_verifier, redirect_uri and client_id are required');
      const found = await codesRepo.consume(store, sha256Hex(f.code));
      if (!found) return fail('invalid_grant', 'the authorization code is not valid');
      const c = found.row;
      if (!found.first) {
        // A replayed code: whatever it bought is revoked (RFC 6749 §4.1.2).
        const n = await tokensRepo.revokeFamily(store, c.org_id, c.family_id);
        await deps.onRevoked?.();
        await audit(c.org_id, 'oauth.token.reuse_detected', 'denied', { type: 'system', id: null }, { grant_id: c.grant_id, client_id: c.client_id.slice(0, 512), family_id: c.family_id, what: 'code', revoked: n });
        return fail('invalid_grant', 'the authorization code was already used; the tokens it issued are revoked');
      }
      if (c.expires_at.getTime() <= now()) return fail('invalid_grant', 'the authorization code has expired');
      if (!safeEqual(f.client_id, c.client_id)) return fail('invalid_grant', 'the authorization code was issued to another client');
      if (f.redirect_uri !== c.redirect_uri) return fail('invalid_grant', 'redirect_uri does not match the authorization request');
      if (f.resource !== undefined && f.resource !== c.resource) return fail('invalid_target', 'resource does not match the authorization request');
      if (!verifyS256(f.code_verifier, c.code_challenge)) return fail('invalid_grant', 'code_verifier does not match the code_challenge (PKCE)');
      const live = await liveGrant(c.org_id, c.grant_id);
      if (!live) return fail('invalid_grant', 'the authorization was revoked');
      const { grant, agent } = live;
      const out = await issueTokens({ orgId: c.org_id, grantId: grant.id, clientId: c.client_id, agentId: agent.id }, c.family_id, c.scope, c.resource);
      await audit(c.org_id, 'oauth.token.issued', 'success', { type: 'agent', id: agent.id }, { grant_id: grant.id, client_id: c.client_id.slice(0, 512), family_id: c.family_id, scope: c.scope, grant_type: 'authorization_code' });
      return out;
    },

    /** grant_type=refresh_token: one use per refresh token; a second use revokes the family. */
    async refresh(f: Record<string, string | undefined>): Promise<TokenResponse | OAuthFailure> {
      if (!f.refresh_token || !f.client_id) return fail('invalid_request', 'refresh_token and client_id are required');
      const hash = sha256Hex(f.refresh_token);
      const row = await tokensRepo.byHash(store, hash);
      if (!row || row.kind !== 'refresh') return fail('invalid_grant', 'the refresh token is not valid');
      if (!safeEqual(f.client_id, row.client_id)) return fail('invalid_grant', 'the refresh token was issued to another client');
      if (row.revoked_at) return fail('invalid_grant', 'the refresh token was revoked');
      if (row.expires_at.getTime() <= now()) return fail('invalid_grant', 'the refresh token has expired');
      if (f.resource !== undefined && f.resource !== row.resource) return fail('invalid_target', 'resource does not match the original authorization');
      if (row.used_at || !(await tokensRepo.useRefresh(store, row.org_id, hash))) {
        const n = await tokensRepo.revokeFamily(store, row.org_id, row.family_id);
        await deps.onRevoked?.();
        await audit(row.org_id, 'oauth.token.reuse_detected', 'denied', { type: 'agent', id: row.agent_id }, { grant_id: row.grant_id, client_id: row.client_id.slice(0, 512), family_id: row.family_id, what: 'refresh_token', revoked: n });
        return fail('invalid_grant', 'the refresh token was already used; every token of this authorization is revoked');
      }
      let scope = row.scope;
      if (f.scope) {
        const parsed = parseScopeParam(f.scope);
        if (!parsed.ok || !isSubset(parsed.scopes, row.scope.split(' '))) return fail('invalid_scope', 'a refresh may only narrow the granted scope');
        scope = parsed.scopes.join(' ');
      }
      const live = await liveGrant(row.org_id, row.grant_id);
      if (!live) return fail('invalid_grant', 'the authorization was revoked');
      const { grant, agent } = live;
      const out = await issueTokens({ orgId: row.org_id, grantId: grant.id, clientId: row.client_id, agentId: agent.id }, row.family_id, scope, row.resource);
      await audit(row.org_id, 'oauth.token.issued', 'success', { type: 'agent', id: agent.id }, { grant_id: grant.id, client_id: row.client_id.slice(0, 512), family_id: row.family_id, scope, grant_type: 'refresh_token' });
      return out;
    },

    /**
     * RFC 7009. A refresh token takes its whole family with it; an access token goes alone.
     * Unknown tokens and other clients' tokens get the same 200 (nothing to learn).
     */
    async revoke(f: Record<string, string | undefined>): Promise<{ revoked: number; orgId?: string; agentId?: string }> {
      if (!f.token) return { revoked: 0 };
      const hash = sha256Hex(f.token);
      const row = await tokensRepo.byHash(store, hash);
      if (!row || !f.client_id || !safeEqual(f.client_id, row.client_id)) return { revoked: 0 };
      const n = row.kind === 'refresh' ? await tokensRepo.revokeFamily(store, row.org_id, row.family_id) : Number(await tokensRepo.revokeOne(store, row.org_id, hash));
      if (n > 0) await deps.onRevoked?.();
      if (n > 0) await audit(row.org_id, 'oauth.token.revoked', 'success', { type: 'agent', id: row.agent_id }, { grant_id: row.grant_id, client_id: row.client_id.slice(0, 512), family_id: row.family_id, revoked: n });
      return { revoked: n, orgId: row.org_id, agentId: row.agent_id };
    },

    /** Revokes a grant and every token under it (console / API). */
    async revokeGrant(orgId: string, grantId: string, actor: { id: string }): Promise<boolean> {
      const grant = await grantsRepo.get(store, orgId, grantId);
      if (!grant || !(await grantsRepo.revoke(store, orgId, grantId))) return false;
      const n = await tokensRepo.revokeGrant(store, orgId, grantId);
      await deps.onRevoked?.();
      await audit(orgId, 'oauth.token.revoked', 'success', { type: 'user', id: actor.id }, { grant_id: grantId, client_id: grant.client_id.slice(0, 512), family_id: null, revoked: n });
      return true;
    },

    listGrants: (orgId: string) => grantsRepo.list(store, orgId),

    /** The live access token and its agent, or undefined (unknown, expired, revoked, or its agent revoked). */
    async validate(token: string): Promise<{ row: TokenRow; identity: AgentIdentity } | undefined> {
      if (!token.startsWith(`${TOKEN_PREFIX}_`) || token.length > 200) return undefined;
      return validateHash(sha256Hex(token));
    },

    validateHash,

    /** Deletes codes and tokens well past their expiry (housekeeping; any instance may run it). */
    async purge(): Promise<void> {
      await codesRepo.purgeExpired(store);
      await tokensRepo.purgeExpired(store);
    },
  };
}

export type OAuthServer = ReturnType<typeof createOAuthServer>;
