import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import type { Store } from '../store/store.ts';
import type { AgentIdentity } from './agents.service.ts';
import { agentsRepo, orgsRepo } from './agents.repo.ts';
import { orgSettingsRepo } from './orgs.repo.ts';
import { randomId, sha256Hex } from '../lib/secure-compare.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { parseScopeParam, toAgentScopes } from './oauth-server/oauth-scopes.ts';

/** `identity.mcpAuth`: an external OpenID Connect / OAuth issuer whose JWT access tokens FlowLink accepts. */
export interface ExternalIssuerConfig {
  issuer: string;
  audience: string;
  jwksUrl?: string | undefined;
  /** The claim naming the FlowLink org (its id or its name). */
  orgClaim: string;
  /** The claim holding the granted scopes (space-separated string or list). */
  scopesClaim: string;
  /** Allowed clock difference for exp/nbf/iat. */
  clockToleranceS: number;
  /** Minimum time between two key set fetches (ms). */
  jwksCooldownMs: number;
}

export interface JwtIdentity {
  identity: AgentIdentity;
  /** Seconds since epoch. */
  exp: number;
  scopes: string[];
}

const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies JWT access tokens of an external issuer: signature by the issuer's JWKS (jose
 * caches the key set and refetches it when a token names an unknown `kid`, which is how
 * key rotation arrives), then iss, aud, exp and nbf with a small skew. The org comes from
 * a claim; each (issuer, subject) is one agent of that org, created on first sight.
 */
export function createJwtVerifier(cfg: ExternalIssuerConfig, deps: { store: Store; fetch?: typeof fetch }) {
  const doFetch = deps.fetch ?? fetch;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  let jwksUrl: Promise<URL> | undefined;
  const agents = new Map<string, { identity: Omit<AgentIdentity, 'scopes'>; until: number }>();

  async function discoverJwksUrl(): Promise<URL> {
    if (cfg.jwksUrl) return new URL(cfg.jwksUrl);
    const base = cfg.issuer.replace(/\/$/, '');
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      try {
        const res = await doFetch(`${base}${path}`, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
        if (!res.ok) continue;
        const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
        if (doc.issuer === cfg.issuer && typeof doc.jwks_uri === 'string') return new URL(doc.jwks_uri);
      } catch {
        // try the next location
      }
    }
    throw new FlowLinkError('unauthorized', 'the external issuer\'s keys could not be found (set identity.mcpAuth.jwksUrl)');
  }

  async function keySet() {
    if (jwks) return jwks;
    jwksUrl ??= discoverJwksUrl();
    let url: URL;
    try {
      url = await jwksUrl;
    } catch (err) {
      jwksUrl = undefined;
      throw err;
    }
    jwks = createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: cfg.jwksCooldownMs, cacheMaxAge: 10 * 60_000 });
    return jwks;
  }

  async function orgFor(value: unknown): Promise<string> {
    if (typeof value !== 'string' || !value || value.length > 128) throw new FlowLinkError('unauthorized', `the token has no "${cfg.orgClaim}" claim naming a FlowLink organization`);
    const org = (await orgSettingsRepo.get(deps.store, value)) ?? (await orgsRepo.byName(deps.store, value));
    if (!org) throw new FlowLinkError('unauthorized', `the token's "${cfg.orgClaim}" claim names no FlowLink organization`);
    return org.id;
  }

  async function agentFor(orgId: string, sub: string): Promise<Omit<AgentIdentity, 'scopes'>> {
    const key = `${orgId}\n${sub}`;
    const hit = agents.get(key);
    if (hit && hit.until > Date.now()) return hit.identity;
    const name = `oidc-${sha256Hex(`${cfg.issuer}\n${sub}`).slice(0, 16)}`;
    let agent = await agentsRepo.byName(deps.store, orgId, name);
    if (!agent) {
      try {
        agent = await agentsRepo.insert(deps.store, { id: `agt_${randomId()}`, orgId, name, labels: { source: 'oidc', issuer: cfg.issuer.slice(0, 200), sub: sub.slice(0, 200) } });
      } catch {
        // Another instance created it at the same moment.
        agent = await agentsRepo.byName(deps.store, orgId, name);
      }
    }
    if (!agent || agent.revoked_at) throw new FlowLinkError('unauthorized', 'the agent for this token\'s subject is revoked');
    const identity = { orgId, agentId: agent.id, agentName: agent.name, labels: agent.labels };
    if (agents.size > 10_000) agents.clear();
    agents.set(key, { identity, until: Date.now() + 30_000 });
    return identity;
  }

  return {
    /** Drops cached agents (an agent was revoked somewhere). */
    invalidate: () => agents.clear(),

    async verify(token: string): Promise<JwtIdentity> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await keySet(), { issuer: cfg.issuer, audience: cfg.audience, algorithms: ALGS, clockTolerance: cfg.clockToleranceS, requiredClaims: ['exp', 'sub'] }));
      } catch (err) {
        if (err instanceof FlowLinkError) throw err;
        throw new FlowLinkError('unauthorized', `the access token was refused: ${describe(err)}`);
      }
      const raw = payload[cfg.scopesClaim];
      const text = Array.isArray(raw) ? raw.filter((s) => typeof s === 'string').join(' ') : typeof raw === 'string' ? raw : '';
      // Scopes outside FlowLink's vocabulary (openid, profile, ...) are ignored, not fatal.
      const scopes = text.split(' ').filter((s) => s && parseScopeParam(s).ok);
      const orgId = await orgFor(payload[cfg.orgClaim]);
      const base = await agentFor(orgId, payload.sub!);
      return { identity: { ...base, scopes: toAgentScopes(scopes) }, exp: payload.exp!, scopes };
    },
  };
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'it has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim "${err.claim}" is not valid (${err.reason})`;
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer matches its signature';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (err instanceof joseErrors.JWKSTimeout) return 'the issuer\'s keys did not arrive in time';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'its signing algorithm is not allowed';
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid) return 'it is not a well-formed JWT';
  return 'it could not be verified';
}

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;
