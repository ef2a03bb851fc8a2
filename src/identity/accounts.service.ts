import type { Store, Queryable } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { randomId, randomToken, sha256Hex } from '../lib/secure-compare.ts';
import { usersRepo, sessionsRepo, recoveryRepo, resetsRepo, throttleRepo, type UserRow, type SessionRow, type SessionState } from './accounts.repo.ts';
import { membersRepo } from './orgs.repo.ts';
import { checkPassword, normalizeEmail, type PasswordHasher } from './passwords.ts';
import { base32, hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, totpUri } from './totp.ts';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import type { Mailer } from './mailer.ts';
import { DEFAULT_ORG } from './agents.service.ts';

export interface ClientInfo {
  ip: string;
  userAgent: string;
}

/** A freshly issued session: the cookie value is returned once and stored only as a hash. */
export interface IssuedSession {
  token: string;
  row: SessionRow;
}

export const LIMITS = {
  sessionTtlMs: 7 * 24 * 3600_000,
  mfaTtlMs: 5 * 60_000,
  resetTtlMs: 30 * 60_000,
  /** Failures per account (by address typed, known or not) before a lock. */
  accountFailures: 5,
  /** Failures per client address before a lock. */
  addressFailures: 30,
  windowS: 15 * 60,
  lockS: 15 * 60,
  /** Sign-ups and reset requests per client address per window. */
  addressRequests: 20,
};

const GENERIC_SIGNIN = 'the email address, password or code is not correct';
const LOCKED = 'too many failed attempts for this account or from this address; try again later';

export function createAccountService(deps: { store: Store; hasher: PasswordHasher; mailer: Mailer; logger: Pick<Logger, 'error' | 'warn'>; publicUrl: string; clock?: () => number }) {
  const { store, hasher } = deps;
  const now = deps.clock ?? Date.now;
  let dummyHash: Promise<string> | undefined;
  const acctKey = (email: string) => `acct:${email}`;
  const addrKey = (ip: string) => `addr:${ip}`;

  async function issue(q: Queryable, userId: string, state: SessionState, client: ClientInfo): Promise<IssuedSession> {
    const token = randomToken('fl_sess');
    const row = await sessionsRepo.insert(q, {
      tokenHash: sha256Hex(token),
      id: `ses_${randomId()}`,
      userId,
      state,
      csrf: randomToken('fl_csrf'),
      ip: client.ip.slice(0, 64),
      userAgent: client.userAgent.slice(0, 256),
      expiresAt: new Date(now() + (state === 'mfa' ? LIMITS.mfaTtlMs : LIMITS.sessionTtlMs)),
    });
    return { token, row };
  }

  /** Replaces a session with a new one (new id, new cookie, new CSRF token): no fixation across a privilege change. */
  async function rotate(old: SessionRow, client: ClientInfo, state: SessionState = 'active'): Promise<IssuedSession> {
    return store.tx(async (q) => {
      await sessionsRepo.revoke(q, old.user_id, old.id);
      return issue(q, old.user_id, state, client);
    });
  }

  async function assertNotLocked(email: string, ip: string) {
    if (await throttleRepo.lockedUntil(store, [acctKey(email), addrKey(ip)])) throw new FlowLinkError('rate_limited', LOCKED);
  }

  async function recordFailure(email: string, ip: string) {
    await throttleRepo.fail(store, acctKey(email), LIMITS.accountFailures, LIMITS.windowS, LIMITS.lockS);
    await throttleRepo.fail(store, addrKey(ip), LIMITS.addressFailures, LIMITS.windowS, LIMITS.lockS);
  }

  /** Counts a request (sign-up, reset) against the address and refuses past the limit. */
  async function meterRequest(kind: string, ip: string) {
    const key = `${kind}:${ip}`;
    if (await throttleRepo.lockedUntil(store, [key])) throw new FlowLinkError('rate_limited', 'too many requests from this address; try again later');
    await throttleRepo.fail(store, key, LIMITS.addressRequests, LIMITS.windowS, LIMITS.lockS);
  }

  function verifyTotpCode(user: UserRow, code: string): number | undefined {
    if (!user.totp_secret) return undefined;
    return matchTotp(decodeBase32IgnorePadding(user.totp_secret), code, now(), Number(user.totp_last_step));
  }

  /** Checks a second factor (TOTP code or recovery code) and consumes it. */
  async function consumeSecondFactor(q: Queryable, user: UserRow, f: { code?: string | undefined; recoveryCode?: string | undefined }): Promise<boolean> {
    if (f.code) {
      const step = verifyTotpCode(user, f.code);
      return step !== undefined && (await usersRepo.claimTotpStep(q, user.id, step));
    }
    if (f.recoveryCode) return recoveryRepo.consume(q, user.id, hashRecoveryCode(f.recoveryCode));
    return false;
  }

  return {
    /** How many accounts exist (sign-up stays open for the first one even when closed). */
    userCount: () => usersRepo.count(store),
    async signUp(input: { email: string; password: string; name?: string }, client: ClientInfo): Promise<{ user: UserRow; session: IssuedSession; owner: boolean }> {
      const email = normalizeEmail(input.email);
      if (!email) throw new FlowLinkError('invalid_params', 'the email address is not valid');
      const policy = checkPassword(input.password, email);
      if (!policy.ok) throw policy.error;
      await meterRequest('signup', client.ip);
      const passwordHash = await hasher.hash(input.password);
      return store.tx(async (q) => {
        // Serializes sign-ups so exactly one first user becomes the owner of a fresh install.
        await q.query('SELECT pg_advisory_xact_lock($1)', [7_420_030]);
        if (await usersRepo.byEmail(q, email)) throw new FlowLinkError('conflict', 'an account with this email address already exists; sign in or reset the password');
        const user = await usersRepo.insert(q, { id: `usr_${randomId()}`, email, name: (input.name ?? '').slice(0, 100), passwordHash });
        let owner = false;
        if (!(await membersRepo.anyOwner(q))) {
          const org =
            (await q.query<{ id: string }>('SELECT id FROM orgs WHERE name = $1', [DEFAULT_ORG]))[0] ??
            (await q.query<{ id: string }>('INSERT INTO orgs (id, name) VALUES ($1, $2) RETURNING id', [`org_${randomId()}`, DEFAULT_ORG]))[0]!;
          await membersRepo.add(q, org.id, user.id, 'owner');
          owner = true;
        }
        return { user, session: await issue(q, user.id, 'active', client), owner };
      });
    },

    /**
     * Password sign-in. Unknown addresses run the same argon2 verification against a
     * dummy hash and fail with the same message, so neither the answer nor its timing
     * tells whether an account exists. A user with TOTP gets a short `mfa` session that
     * only the second-factor step accepts.
     */
    async signIn(input: { email: string; password: string }, client: ClientInfo): Promise<{ session: IssuedSession; mfaRequired: boolean }> {
      const email = normalizeEmail(input.email) ?? input.email.trim().toLowerCase().slice(0, 254);
      await assertNotLocked(email, client.ip);
      const user = await usersRepo.byEmail(store, email);
      dummyHash ??= hasher.hash(randomToken('dummy'));
      const ok = await hasher.verify(user?.password_hash ?? (await dummyHash), String(input.password ?? '').slice(0, 1024));
      if (!user || !user.password_hash || !ok) {
        await recordFailure(email, client.ip);
        throw new FlowLinkError('invalid_credentials', GENERIC_SIGNIN);
      }
      const session = await issue(store, user.id, user.totp_enabled ? 'mfa' : 'active', client);
      if (!user.totp_enabled) await throttleRepo.clear(store, acctKey(email));
      return { session, mfaRequired: user.totp_enabled };
    },

    /** Completes a sign-in with a TOTP or recovery code; the pending session is replaced. */
    async completeSecondFactor(pending: SessionRow, f: { code?: string; recoveryCode?: string }, client: ClientInfo): Promise<IssuedSession> {
      const user = await usersRepo.byId(store, pending.user_id);
      if (!user) throw new FlowLinkError('unauthorized', 'sign in first');
      await assertNotLocked(user.email, client.ip);
      const issued = await store.tx(async (q) => {
        if (!(await consumeSecondFactor(q, user, f))) return undefined;
        await sessionsRepo.revoke(q, pending.user_id, pending.id);
        return issue(q, user.id, 'active', client);
      });
      if (!issued) {
        await recordFailure(user.email, client.ip);
        throw new FlowLinkError('invalid_credentials', GENERIC_SIGNIN);
      }
      await throttleRepo.clear(store, acctKey(user.email));
      return issued;
    },

    /** The live session and user behind a cookie value. */
    async resolve(token: string): Promise<{ session: SessionRow; user: UserRow } | undefined> {
      if (!token.startsWith('fl_sess_') || token.length > 100) return undefined;
      const session = await sessionsRepo.byTokenHash(store, sha256Hex(token));
      if (!session) return undefined;
      const user = await usersRepo.byId(store, session.user_id);
      if (!user) return undefined;
      if (now() - session.last_seen_at.getTime() > 60_000) await sessionsRepo.touch(store, user.id, session.id);
      return { session, user };
    },

    rotate,
    /** A new session for a user who proved who they are another way (OAuth sign-in); `mfa` when TOTP is still owed. */
    issueSession: (userId: string, state: SessionState, client: ClientInfo) => issue(store, userId, state, client),
    signOut: (s: SessionRow) => sessionsRepo.revoke(store, s.user_id, s.id),
    listSessions: (userId: string) => sessionsRepo.listLive(store, userId),
    async revokeSession(userId: string, id: string): Promise<void> {
      if (!(await sessionsRepo.revoke(store, userId, id))) throw new FlowLinkError('not_found', 'no such session');
    },

    async changePassword(user: UserRow, current: SessionRow, input: { currentPassword: string; newPassword: string }, client: ClientInfo): Promise<IssuedSession> {
      await assertNotLocked(user.email, client.ip);
      if (!user.password_hash || !(await hasher.verify(user.password_hash, input.currentPassword))) {
        await recordFailure(user.email, client.ip);
        throw new FlowLinkError('invalid_credentials', 'the current password is not correct');
      }
      const policy = checkPassword(input.newPassword, user.email);
      if (!policy.ok) throw policy.error;
      const hash = await hasher.hash(input.newPassword);
      return store.tx(async (q) => {
        await usersRepo.setPassword(q, user.id, hash);
        await sessionsRepo.revokeAll(q, user.id);
        await resetsRepo.invalidateAll(q, user.id);
        await sessionsRepo.revoke(q, user.id, current.id);
        return issue(q, user.id, 'active', client);
      });
    },

    /**
     * Starts a password reset. The answer never says whether the address has an account,
     * and the mail leaves after the response, so timing says nothing either.
     */
    async requestReset(rawEmail: string, client: ClientInfo): Promise<void> {
      await meterRequest('reset', client.ip);
      const email = normalizeEmail(rawEmail);
      if (!email) return;
      const user = await usersRepo.byEmail(store, email);
      if (!user) return;
      const token = randomToken('fl_reset');
      await resetsRepo.insert(store, { tokenHash: sha256Hex(token), userId: user.id, expiresAt: new Date(now() + LIMITS.resetTtlMs) });
      const link = `${deps.publicUrl.replace(/\/$/, '')}/reset-password#token=${encodeURIComponent(token)}`;
      // Sent after the data is committed and outside the request: slow mail cannot leak existence.
      setImmediate(() => {
        deps.mailer
          .send({ to: email, subject: 'Reset your FlowLink password', text: `Someone asked to reset the password of your FlowLink account.\n\nTo choose a new password, open this link within 30 minutes:\n\n${link}\n\nIf it was not you, ignore this message; your password stays as it is.\n` })
          .catch((err: unknown) => deps.logger.error({ err }, 'password reset mail failed'));
      });
    },

    /** Sets a new password with a reset token (single use); every session of the account ends. */
    async resetPassword(token: string, newPassword: string): Promise<void> {
      const bad = () => new FlowLinkError('invalid_token', 'the reset link is not valid: it may have expired or been used already');
      if (typeof token !== 'string' || !token.startsWith('fl_reset_')) throw bad();
      // The policy needs the address, and the token must not be spent on a rejected password: check first, in one transaction.
      await store.tx(async (q) => {
        const userId = await resetsRepo.consume(q, sha256Hex(token));
        if (!userId) throw bad();
        const user = (await usersRepo.byId(q, userId))!;
        const policy = checkPassword(newPassword, user.email);
        if (!policy.ok) throw policy.error;
        await usersRepo.setPassword(q, userId, await hasher.hash(newPassword));
        await sessionsRepo.revokeAll(q, userId);
        await resetsRepo.invalidateAll(q, userId);
        await throttleRepo.clear(q, acctKey(user.email));
      });
    },

    /** Starts TOTP enrolment: a new secret, not active until a code from it is confirmed. */
    async totpSetup(user: UserRow): Promise<{ secret: string; uri: string }> {
      if (user.totp_enabled) throw new FlowLinkError('conflict', 'two-factor authentication is already enabled; disable it first');
      const key = newTotpSecret();
      await usersRepo.setTotpSecret(store, user.id, base32(key));
      return { secret: base32(key), uri: totpUri('FlowLink', user.email, key) };
    },

    async totpEnable(user: UserRow, current: SessionRow, code: string, client: ClientInfo): Promise<{ recoveryCodes: string[]; session: IssuedSession }> {
      if (user.totp_enabled) throw new FlowLinkError('conflict', 'two-factor authentication is already enabled');
      if (!user.totp_secret) throw new FlowLinkError('bad_request', 'start with POST /api/v1/me/2fa/setup');
      const step = verifyTotpCode(user, code);
      if (step === undefined) throw new FlowLinkError('invalid_credentials', 'the code is not correct; check the clock of the device');
      const codes = newRecoveryCodes();
      const session = await store.tx(async (q) => {
        await usersRepo.enableTotp(q, user.id, step);
        await recoveryRepo.replace(q, user.id, codes.map(hashRecoveryCode));
        await sessionsRepo.revoke(q, user.id, current.id);
        return issue(q, user.id, 'active', client);
      });
      return { recoveryCodes: codes, session };
    },

    async totpDisable(user: UserRow, current: SessionRow, input: { password: string; code?: string; recoveryCode?: string }, client: ClientInfo): Promise<IssuedSession> {
      if (!user.totp_enabled) throw new FlowLinkError('conflict', 'two-factor authentication is not enabled');
      await assertNotLocked(user.email, client.ip);
      const passOk = !!user.password_hash && (await hasher.verify(user.password_hash, input.password));
      const issued = await store.tx(async (q) => {
        if (!passOk || !(await consumeSecondFactor(q, user, input))) return undefined;
        await usersRepo.disableTotp(q, user.id);
        await sessionsRepo.revoke(q, user.id, current.id);
        return issue(q, user.id, 'active', client);
      });
      if (!issued) {
        await recordFailure(user.email, client.ip);
        throw new FlowLinkError('invalid_credentials', 'the password or code is not correct');
      }
      return issued;
    },

    async recoveryCodesLeft(userId: string): Promise<number> {
      return recoveryRepo.remaining(store, userId);
    },

    /** Creates an account without a session (the `flowlink admin create` command). */
    async createUser(input: { email: string; password: string; name?: string }): Promise<UserRow> {
      const email = normalizeEmail(input.email);
      if (!email) throw new FlowLinkError('invalid_params', 'the email address is not valid');
      const policy = checkPassword(input.password, email);
      if (!policy.ok) throw policy.error;
      const passwordHash = await hasher.hash(input.password);
      return store.tx(async (q) => {
        if (await usersRepo.byEmail(q, email)) throw new FlowLinkError('conflict', 'an account with this email address already exists');
        return usersRepo.insert(q, { id: `usr_${randomId()}`, email, name: input.name ?? '', passwordHash });
      });
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
