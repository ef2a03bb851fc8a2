import type { FastifyInstance } from 'fastify';
import type { AccountService } from '../identity/accounts.service.ts';
import type { OrgService } from '../identity/orgs.service.ts';
import type { UserRow, SessionRow } from '../identity/accounts.repo.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { PASSWORD_MAX } from '../identity/passwords.ts';
import { clientInfo, route, who, S, type Kit } from './identity.kit.ts';

export function userView(u: UserRow) {
  return { id: u.id, email: u.email, name: u.name, twoFactorEnabled: u.totp_enabled, createdAt: u.created_at };
}

function sessionView(s: SessionRow, currentId: string) {
  return { id: s.id, ip: s.ip, userAgent: s.user_agent, createdAt: s.created_at, lastSeenAt: s.last_seen_at, expiresAt: s.expires_at, current: s.id === currentId };
}

const email = S.str(254);
const password = S.str(PASSWORD_MAX * 4);
const code = S.str(16);

/** Sign-up, sign-in (with the second factor), sign-out, password reset, and the user's own account. */
export function registerAuthRoutes(api: FastifyInstance, deps: { accounts: AccountService; orgs: OrgService; kit: Kit; signup: 'open' | 'closed' }) {
  const { accounts, kit } = deps;
  const tags = ['auth'];

  route(api, {
    method: 'POST', url: '/v1/auth/sign-up', auth: { kind: 'public' }, tags, summary: 'Create an account and sign in (the first account of a fresh install owns the default organization)',
    schema: { body: S.obj({ email, password, name: S.str(100) }, ['email', 'password']) },
    async handler(req, reply) {
      // Closed sign-up still lets the first person in: they become owner of the default org.
      if (deps.signup === 'closed' && (await accounts.userCount()) > 0) throw new FlowLinkError('forbidden', 'sign-up is closed on this FlowLink: ask an admin for an invite');
      const b = req.body as { email: string; password: string; name?: string };
      const { user, session, owner } = await accounts.signUp(b, clientInfo(req));
      kit.setSession(req, reply, session);
      return reply.status(201).send({ user: userView(user), csrfToken: session.row.csrf_token, ownerOfDefaultOrg: owner });
    },
  });

  route(api, {
    method: 'POST', url: '/v1/auth/sign-in', auth: { kind: 'public' }, tags, summary: 'Sign in with email and password; a new session replaces any the browser had',
    schema: { body: S.obj({ email, password }, ['email', 'password']) },
    async handler(req, reply) {
      const { session, mfaRequired } = await accounts.signIn(req.body as { email: string; password: string }, clientInfo(req));
      kit.setSession(req, reply, session);
      return { mfaRequired, csrfToken: session.row.csrf_token };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/auth/2fa', auth: { kind: 'mfa' }, tags, summary: 'Complete sign-in with a TOTP code or a recovery code',
    schema: { body: S.obj({ code, recoveryCode: S.str(32) }) },
    async handler(req, reply) {
      const s = await accounts.completeSecondFactor(who.session(req), req.body as { code?: string; recoveryCode?: string }, clientInfo(req));
      kit.setSession(req, reply, s);
      return { csrfToken: s.row.csrf_token };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/auth/sign-out', auth: { kind: 'user' }, tags, summary: 'End this session',
    async handler(req, reply) {
      await accounts.signOut(who.session(req));
      kit.clearSession(req, reply);
      return reply.status(204).send();
    },
  });

  route(api, {
    method: 'POST', url: '/v1/auth/password/forgot', auth: { kind: 'public' }, tags, summary: 'Mail a password-reset link (the answer is the same whether or not the address has an account)',
    schema: { body: S.obj({ email }, ['email']) },
    async handler(req, reply) {
      await accounts.requestReset((req.body as { email: string }).email, clientInfo(req));
      return reply.status(202).send({ message: 'if an account exists for this address, we sent it a link to reset the password' });
    },
  });

  route(api, {
    method: 'POST', url: '/v1/auth/password/reset', auth: { kind: 'public' }, tags, summary: 'Set a new password with a reset token (single use); ends every session',
    schema: { body: S.obj({ token: S.str(128), password }, ['token', 'password']) },
    async handler(req, reply) {
      const b = req.body as { token: string; password: string };
      await accounts.resetPassword(b.token, b.password);
      return reply.status(204).send();
    },
  });

  const me = ['me'];
  route(api, {
    method: 'GET', url: '/v1/me', auth: { kind: 'user' }, tags: me, summary: 'The signed-in user and their organizations',
    async handler(req) {
      const u = who.user(req);
      const orgs = await deps.orgs.mine(u.id);
      return { user: userView(u), orgs: orgs.map((o) => ({ id: o.id, name: o.name, role: o.role, requireMfa: o.require_mfa })), csrfToken: who.session(req).csrf_token };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/me/password', auth: { kind: 'user' }, tags: me, summary: 'Change the password; other sessions end and this one is replaced',
    schema: { body: S.obj({ currentPassword: password, newPassword: password }, ['currentPassword', 'newPassword']) },
    async handler(req, reply) {
      const s = await accounts.changePassword(who.user(req), who.session(req), req.body as { currentPassword: string; newPassword: string }, clientInfo(req));
      kit.setSession(req, reply, s);
      return { csrfToken: s.row.csrf_token };
    },
  });

  route(api, {
    method: 'GET', url: '/v1/me/sessions', auth: { kind: 'user' }, tags: me, summary: 'My live sessions',
    async handler(req) {
      return { sessions: (await accounts.listSessions(who.user(req).id)).map((s) => sessionView(s, who.session(req).id)) };
    },
  });

  route(api, {
    method: 'DELETE', url: '/v1/me/sessions/:sessionId', auth: { kind: 'user' }, tags: me, summary: 'Revoke one of my sessions',
    schema: { params: S.obj({ sessionId: S.id }, ['sessionId']) },
    async handler(req, reply) {
      await accounts.revokeSession(who.user(req).id, (req.params as { sessionId: string }).sessionId);
      return reply.status(204).send();
    },
  });

  route(api, {
    method: 'POST', url: '/v1/me/2fa/setup', auth: { kind: 'user' }, tags: me, summary: 'Start TOTP enrolment: returns the secret and an otpauth:// URI',
    async handler(req) {
      return accounts.totpSetup(who.user(req));
    },
  });

  route(api, {
    method: 'POST', url: '/v1/me/2fa/enable', auth: { kind: 'user' }, tags: me, summary: 'Confirm enrolment with a code; returns recovery codes once and replaces the session',
    schema: { body: S.obj({ code }, ['code']) },
    async handler(req, reply) {
      const r = await accounts.totpEnable(who.user(req), who.session(req), (req.body as { code: string }).code, clientInfo(req));
      kit.setSession(req, reply, r.session);
      return { recoveryCodes: r.recoveryCodes, csrfToken: r.session.row.csrf_token };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/me/2fa/disable', auth: { kind: 'user' }, tags: me, summary: 'Turn TOTP off (password and a code or recovery code)',
    schema: { body: S.obj({ password, code, recoveryCode: S.str(32) }, ['password']) },
    async handler(req, reply) {
      const s = await accounts.totpDisable(who.user(req), who.session(req), req.body as { password: string; code?: string; recoveryCode?: string }, clientInfo(req));
      kit.setSession(req, reply, s);
      return { csrfToken: s.row.csrf_token };
    },
  });
}
