import type { Store, Queryable } from '../../store/store.ts';
import type { Logger } from '../../lib/logger.ts';
import { FlowLinkError } from '../../lib/errors.ts';
import { randomId, randomToken, safeEqual, sha256Hex } from '../../lib/secure-compare.ts';
import { generateCodeVerifier } from 'arctic';
import type { AuditEventInput } from '../../audit/audit.writer.ts';
import type { AccountService, ClientInfo, IssuedSession } from '../accounts.service.ts';
import { usersRepo, throttleRepo, type SessionRow, type UserRow } from '../accounts.repo.ts';
import { membersRepo, invitesRepo } from '../orgs.repo.ts';
import { normalizeEmail } from '../passwords.ts';
import { DEFAULT_ORG } from '../agents.service.ts';
import { ProviderError, type OAuthProvider, type ProviderId, type ProviderProfile } from './provider.ts';
import { identitiesRepo, statesRepo, type IdentityRow, type StateRow, type FlowPurpose } from './oauth.repo.ts';

/** How long a started flow may take (the provider's pages included). */
export const STATE_TTL_MS = 10 * 60_000;
/** Started flows per client address per window (each one stores a row before anyone is known). */
export const STARTS = { perAddress: 30, windowS: 15 * 60, lockS: 15 * 60 };

/**
 * Stable reasons a callback can fail with; the console shows them (`/console/sign-in?error=<code>`).
 * Never more precise than this: the page is reachable by anyone.
 */
export const OAUTH_ERRORS = {
  provider_unknown: 'this sign-in provider is not enabled here',
  access_denied: 'the provider did not grant access (cancelled or refused)',
  state_invalid: 'the sign-in link is not valid: it expired, was used already, or was started in another browser',
  exchange_failed: 'the provider did not accept the authorization code',
  profile_failed: 'the provider did not return the account profile',
  email_unverified: 'the provider account has no verified email address',
  signup_closed: 'there is no FlowLink account for this address and sign-up is closed: ask an admin for an invite',
  invite_invalid: 'the invite is not valid for this address (expired, used, revoked, or sent to another address)',
  identity_in_use: 'this provider account is already linked to another FlowLink account',
  session_expired: 'sign in again to link a provider (the session that started it has ended)',
  rate_limited: 'too many sign-in attempts from this address; try again later',
  internal: 'sign-in failed because of an internal error',
} as const;
export type OAuthErrorCode = keyof typeof OAUTH_ERRORS;

export type CallbackResult =
  | { ok: true; kind: 'signed-in'; session: IssuedSession; mfaRequired: boolean; userId: string }
  | { ok: true; kind: 'linked'; provider: ProviderId }
  | { ok: false; code: OAuthErrorCode; message: string; purpose?: 'link' };

const fail = (code: OAuthErrorCode, purpose?: FlowPurpose): CallbackResult => ({ ok: false, code, message: OAUTH_ERRORS[code], ...(purpose === 'link' ? { purpose } : {}) });

export interface OAuthServiceDeps {
  store: Store;
  accounts: AccountService;
  providers: OAuthProvider[];
  /** The redirect URI is `<publicUrl>/api/v1/auth/oauth/<provider>/callback`. */
  publicUrl: string;
  signup: 'open' | 'closed';
  audit?: { append(e: AuditEventInput): Promise<number> } | undefined;
  logger: Pick<Logger, 'error' | 'warn'>;
  clock?: () => number;
}

/**
 * OAuth 2.0 sign-in and account linking. The state is random, stored hashed, single use,
 * expiring, and bound to the browser by a nonce cookie (also stored hashed); PKCE S256
 * binds the code to this server. Accounts link only by verified addresses.
 */
export function createOAuthService(deps: OAuthServiceDeps) {
  const { store } = deps;
  const now = deps.clock ?? Date.now;
  const byId = new Map(deps.providers.map((p) => [p.id, p]));
  const redirectUri = (p: ProviderId) => `${deps.publicUrl.replace(/\/$/, '')}/api/v1/auth/oauth/${p}/callback`;

  async function audit(q: Queryable, kind: 'user.identity.linked' | 'user.identity.unlinked', user: string, data: Record<string, unknown>) {
    if (!deps.audit) return;
    // A user's sign-in methods concern every org they belong to (or the installation's, before any).
    let orgs = (await membersRepo.orgsOf(q, user)).map((o) => o.id);
    if (!orgs.length) orgs = (await q.query<{ id: string }>('SELECT id FROM orgs WHERE name = $1', [DEFAULT_ORG])).map((r) => r.id);
    for (const orgId of orgs) {
      await deps.audit.append({ orgId, kind, actor: { type: 'user', id: user }, outcome: 'success', data }).catch((err: unknown) => deps.logger.error({ err, kind }, 'audit of an identity link failed'));
    }
  }

  function verifiedEmails(p: ProviderProfile): string[] {
    const sorted = [...p.emails].filter((e) => e.verified).sort((a, b) => Number(b.primary) - Number(a.primary));
    return [...new Set(sorted.map((e) => normalizeEmail(e.address)).filter((e): e is string => !!e))];
  }

  /** Finds or creates the user for a provider account; undefined reasons are failures. */
  async function resolveUser(row: StateRow, provider: ProviderId, profile: ProviderProfile): Promise<{ user: UserRow; linked?: IdentityRow } | OAuthErrorCode> {
    const known = await identitiesRepo.bySubject(store, provider, profile.subject);
    if (known) {
      await identitiesRepo.touch(store, known.user_id, known.id);
      const user = await usersRepo.byId(store, known.user_id);
      return user ? { user } : 'internal';
    }
    const emails = verifiedEmails(profile);
    if (!emails.length) return 'email_unverified';
    const email0 = emails[0]!;
    return store.tx(async (q) => {
      // Same lock as password sign-up: exactly one first user becomes the owner, and two
      // flows for one address cannot both create it.
      await q.query('SELECT pg_advisory_xact_lock($1)', [7_420_030]);
      for (const email of emails) {
        const user = await usersRepo.byEmail(q, email);
        if (!user) continue;
        const linked = await identitiesRepo.insert(q, { id: `uid_${randomId()}`, userId: user.id, provider, subject: profile.subject, email, login: profile.login, linkedVia: 'email' });
        return { user, linked };
      }
      const first = (await usersRepo.count(q)) === 0;
      let invite: { org_id: string; role: string } | undefined;
      if (row.invite_hash) {
        invite = await invitesRepo.consume(q, row.invite_hash, email0);
        if (!invite) return 'invite_invalid' as const;
      } else if (deps.signup === 'closed' && !first) return 'signup_closed' as const;
      const user = await usersRepo.insert(q, { id: `usr_${randomId()}`, email: email0, name: profile.name.slice(0, 100), passwordHash: null });
      await q.query('UPDATE users SET email_verified = true WHERE id = $1', [user.id]);
      if (invite) await membersRepo.add(q, invite.org_id, user.id, invite.role as never);
      if (!(await membersRepo.anyOwner(q))) {
        const org =
          (await q.query<{ id: string }>('SELECT id FROM orgs WHERE name = $1', [DEFAULT_ORG]))[0] ??
          (await q.query<{ id: string }>('INSERT INTO orgs (id, name) VALUES ($1, $2) RETURNING id', [`org_${randomId()}`, DEFAULT_ORG]))[0]!;
        await membersRepo.add(q, org.id, user.id, 'owner');
      }
      const linked = await identitiesRepo.insert(q, { id: `uid_${randomId()}`, userId: user.id, provider, subject: profile.subject, email: email0, login: profile.login, linkedVia: 'sign-up' });
      return { user, linked };
    });
  }

  return {
    /** The enabled providers, in a fixed order, for the console's sign-in buttons. */
    enabled: () => deps.providers.map((p) => ({ id: p.id, label: p.label })),
    has: (p: string): p is ProviderId => byId.has(p as ProviderId),

    /**
     * Starts a flow: returns the provider URL and the browser nonce (set as an httpOnly
     * cookie by the route). `link` flows belong to a signed-in user and their session.
     */
    async start(provider: ProviderId, input: { purpose: 'sign-in'; inviteToken?: string | undefined } | { purpose: 'link'; user: UserRow; session: SessionRow }, client: ClientInfo): Promise<{ url: string; nonce: string }> {
      const p = byId.get(provider);
      if (!p) throw new FlowLinkError('not_found', `the sign-in provider "${provider}" is not enabled`);
      const key = `oauth-start:${client.ip}`;
      if (await throttleRepo.lockedUntil(store, [key])) throw new FlowLinkError('rate_limited', OAUTH_ERRORS.rate_limited);
      await throttleRepo.fail(store, key, STARTS.perAddress, STARTS.windowS, STARTS.lockS);
      const state = randomToken('fl_state');
      const nonce = randomToken('fl_oauth');
      const codeVerifier = generateCodeVerifier();
      const invite = input.purpose === 'sign-in' && input.inviteToken ? input.inviteToken : undefined;
      if (invite !== undefined && (!invite.startsWith('fl_invite_') || invite.length > 128)) throw new FlowLinkError('invalid_token', 'the invite token is not valid');
      await statesRepo.insert(store, {
        state_hash: sha256Hex(state),
        nonce_hash: sha256Hex(nonce),
        provider,
        purpose: input.purpose,
        code_verifier: codeVerifier,
        user_id: input.purpose === 'link' ? input.user.id : null,
        session_id: input.purpose === 'link' ? input.session.id : null,
        invite_hash: invite ? sha256Hex(invite) : null,
        expiresAt: new Date(now() + STATE_TTL_MS),
      });
      return { url: p.authorizationUrl({ state, codeVerifier, redirectUri: redirectUri(provider) }).toString(), nonce };
    },

    /**
     * The provider sent the browser back. The state is spent first (single use, whatever
     * follows), then checked against the browser's nonce; only then is the code exchanged.
     */
    async callback(provider: string, input: { query: Record<string, string>; nonce: string | undefined; current: { session: SessionRow; user: UserRow } | undefined }, client: ClientInfo): Promise<CallbackResult> {
      const p = byId.get(provider as ProviderId);
      if (!p) return fail('provider_unknown');
      const { state, code, error } = input.query;
      if (!state || state.length > 200) return fail('state_invalid');
      const row = await statesRepo.consume(store, sha256Hex(state), p.id);
      if (!row || !input.nonce || !safeEqual(sha256Hex(input.nonce), row.nonce_hash)) return fail('state_invalid');
      if (error) return fail('access_denied', row.purpose);
      if (!code || code.length > 2048) return fail('exchange_failed', row.purpose);
      let profile: ProviderProfile;
      try {
        const token = await p.exchange({ code, codeVerifier: row.code_verifier, redirectUri: redirectUri(p.id), state, query: input.query });
        profile = await p.profile(token);
      } catch (err) {
        if (err instanceof ProviderError) {
          deps.logger.warn({ provider: p.id, reason: err.message }, 'OAuth sign-in failed at the provider');
          return fail(err.stage === 'exchange' ? 'exchange_failed' : 'profile_failed', row.purpose);
        }
        throw err;
      }

      if (row.purpose === 'link') {
        const cur = input.current;
        if (!cur || cur.session.id !== row.session_id || cur.user.id !== row.user_id || cur.session.state !== 'active') return fail('session_expired', 'link');
        const known = await identitiesRepo.bySubject(store, p.id, profile.subject);
        if (known && known.user_id !== cur.user.id) return fail('identity_in_use', 'link');
        if (!known) {
          const linked = await identitiesRepo.insert(store, { id: `uid_${randomId()}`, userId: cur.user.id, provider: p.id, subject: profile.subject, email: verifiedEmails(profile)[0] ?? null, login: profile.login, linkedVia: 'account' });
          await audit(store, 'user.identity.linked', cur.user.id, { user_id: cur.user.id, identity_id: linked.id, provider: p.id, via: 'account' });
        }
        return { ok: true, kind: 'linked', provider: p.id };
      }

      const found = await resolveUser(row, p.id, profile);
      if (typeof found === 'string') return fail(found);
      if (found.linked) await audit(store, 'user.identity.linked', found.user.id, { user_id: found.user.id, identity_id: found.linked.id, provider: p.id, via: found.linked.linked_via });
      // A second factor still applies: the session waits for it like after a password.
      const mfaRequired = found.user.totp_enabled;
      const session = await deps.accounts.issueSession(found.user.id, mfaRequired ? 'mfa' : 'active', client);
      return { ok: true, kind: 'signed-in', session, mfaRequired, userId: found.user.id };
    },

    list: (userId: string) => identitiesRepo.listForUser(store, userId),

    /** Unlinks one of the user's identities, unless it is their last way to sign in. */
    async unlink(user: UserRow, id: string): Promise<void> {
      const target = await store.tx(async (q) => {
        const mine = await identitiesRepo.listForUser(q, user.id);
        const target = mine.find((i) => i.id === id);
        if (!target) throw new FlowLinkError('not_found', 'no such linked identity');
        const fresh = await usersRepo.byId(q, user.id);
        if (!fresh?.password_hash && mine.length === 1) throw new FlowLinkError('conflict', 'this is the only way to sign in to this account: set a password (password reset) or link another provider first');
        await identitiesRepo.remove(q, user.id, id);
        return target;
      });
      await audit(store, 'user.identity.unlinked', user.id, { user_id: user.id, identity_id: id, provider: target.provider, via: target.linked_via });
    },
  };
}

export type OAuthService = ReturnType<typeof createOAuthService>;
