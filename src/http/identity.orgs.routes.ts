import type { FastifyInstance } from 'fastify';
import type { AccountService } from '../identity/accounts.service.ts';
import type { OrgService } from '../identity/orgs.service.ts';
import type { ApiKeyRow, InviteRow } from '../identity/orgs.repo.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { ROLES, API_KEY_ROLES, type Role } from '../identity/roles.ts';
import { clientInfo, route, who, S, type Kit } from './identity.kit.ts';

const orgParams = S.obj({ orgId: S.id }, ['orgId']);
const role = { type: 'string', enum: [...ROLES] };

function inviteView(i: InviteRow) {
  return { id: i.id, email: i.email, role: i.role, createdAt: i.created_at, expiresAt: i.expires_at };
}

function keyView(k: ApiKeyRow) {
  return { id: k.id, name: k.name, role: k.role, prefix: k.prefix, createdAt: k.created_at, expiresAt: k.expires_at, revoked: k.revoked_at !== null, lastUsedAt: k.last_used_at };
}

/** Organizations, members, invites and API keys. */
export function registerOrgRoutes(api: FastifyInstance, deps: { accounts: AccountService; orgs: OrgService; kit: Kit }) {
  const { orgs, kit } = deps;
  const tags = ['orgs'];

  route(api, {
    method: 'GET', url: '/v1/orgs', auth: { kind: 'user' }, tags, summary: 'My organizations',
    async handler(req) {
      return { orgs: (await orgs.mine(who.user(req).id)).map((o) => ({ id: o.id, name: o.name, role: o.role, requireMfa: o.require_mfa })) };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/orgs', auth: { kind: 'user' }, tags, summary: 'Create an organization (you become its owner; the session is replaced)',
    schema: { body: S.obj({ name: S.str(63) }, ['name']) },
    async handler(req, reply) {
      const org = await orgs.create(who.user(req), (req.body as { name: string }).name);
      const s = await deps.accounts.rotate(who.session(req), clientInfo(req));
      kit.setSession(req, reply, s);
      return reply.status(201).send({ org: { ...org, role: 'owner' }, csrfToken: s.row.csrf_token });
    },
  });

  route(api, {
    method: 'GET', url: '/v1/orgs/:orgId', auth: { kind: 'org', perm: 'org.read' }, tags, summary: 'An organization',
    schema: { params: orgParams },
    async handler(req) {
      const o = await orgs.get(who.actor(req));
      return { id: o.id, name: o.name, requireMfa: o.require_mfa, createdAt: o.created_at, role: who.actor(req).role };
    },
  });

  route(api, {
    method: 'PATCH', url: '/v1/orgs/:orgId', auth: { kind: 'org', perm: 'org.update' }, tags, summary: 'Rename, or require two-factor authentication of every member (owner only)',
    schema: { params: orgParams, body: S.obj({ name: S.str(63), requireMfa: { type: 'boolean' } }) },
    async handler(req) {
      const o = await orgs.update(who.actor(req), req.body as { name?: string; requireMfa?: boolean });
      return { id: o.id, name: o.name, requireMfa: o.require_mfa };
    },
  });

  const memberParams = S.obj({ orgId: S.id, userId: S.id }, ['orgId', 'userId']);
  route(api, {
    method: 'GET', url: '/v1/orgs/:orgId/members', auth: { kind: 'org', perm: 'members.read' }, tags, summary: 'Members and their roles',
    schema: { params: orgParams },
    async handler(req) {
      return { members: (await orgs.members(who.actor(req))).map((m) => ({ userId: m.user_id, email: m.email, name: m.name, role: m.role, twoFactorEnabled: m.totp_enabled, since: m.created_at })) };
    },
  });

  route(api, {
    method: 'PATCH', url: '/v1/orgs/:orgId/members/:userId', auth: { kind: 'org', perm: 'members.manage' }, tags, summary: "Change a member's role",
    schema: { params: memberParams, body: S.obj({ role }, ['role']) },
    async handler(req, reply) {
      await orgs.setRole(who.actor(req), (req.params as { userId: string }).userId, (req.body as { role: Role }).role);
      return reply.status(204).send();
    },
  });

  route(api, {
    method: 'DELETE', url: '/v1/orgs/:orgId/members/:userId', auth: { kind: 'org', perm: 'org.read' }, tags, summary: 'Remove a member (members.manage), or leave the organization yourself',
    schema: { params: memberParams },
    async handler(req, reply) {
      const actor = who.actor(req);
      const userId = (req.params as { userId: string }).userId;
      // Leaving needs only membership; removing someone else needs members.manage.
      if (!(actor.kind === 'user' && actor.id === userId) && !['owner', 'admin'].includes(actor.role)) throw new FlowLinkError('forbidden', `a ${actor.role} may not do this (members.manage)`);
      await orgs.removeMember(actor, userId);
      return reply.status(204).send();
    },
  });

  route(api, {
    method: 'GET', url: '/v1/orgs/:orgId/invites', auth: { kind: 'org', perm: 'invites.manage' }, tags, summary: 'Pending invites',
    schema: { params: orgParams },
    async handler(req) {
      return { invites: (await orgs.invites(who.actor(req))).map(inviteView) };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/orgs/:orgId/invites', auth: { kind: 'org', perm: 'invites.manage' }, tags, summary: 'Invite an address (the link is mailed, and returned once here; single use, 7 days)',
    schema: { params: orgParams, body: S.obj({ email: S.str(254), role }, ['email', 'role']) },
    async handler(req, reply) {
      const b = req.body as { email: string; role: Role };
      const { invite, link } = await orgs.invite(who.actor(req), b);
      return reply.status(201).send({ invite: inviteView(invite), link });
    },
  });

  route(api, {
    method: 'DELETE', url: '/v1/orgs/:orgId/invites/:inviteId', auth: { kind: 'org', perm: 'invites.manage' }, tags, summary: 'Revoke a pending invite',
    schema: { params: S.obj({ orgId: S.id, inviteId: S.id }, ['orgId', 'inviteId']) },
    async handler(req, reply) {
      await orgs.revokeInvite(who.actor(req), (req.params as { inviteId: string }).inviteId);
      return reply.status(204).send();
    },
  });

  route(api, {
    method: 'POST', url: '/v1/invites/accept', auth: { kind: 'user' }, tags, summary: 'Accept an invite sent to your address (the session is replaced)',
    schema: { body: S.obj({ token: S.str(128) }, ['token']) },
    async handler(req, reply) {
      const r = await orgs.acceptInvite(who.user(req), (req.body as { token: string }).token);
      const s = await deps.accounts.rotate(who.session(req), clientInfo(req));
      kit.setSession(req, reply, s);
      return { orgId: r.orgId, role: r.role, csrfToken: s.row.csrf_token };
    },
  });

  route(api, {
    method: 'GET', url: '/v1/orgs/:orgId/api-keys', auth: { kind: 'org', perm: 'apikeys.manage' }, tags: ['api-keys'], summary: 'API keys (never their secrets)',
    schema: { params: orgParams },
    async handler(req) {
      return { apiKeys: (await orgs.apiKeys(who.actor(req))).map(keyView) };
    },
  });

  route(api, {
    method: 'POST', url: '/v1/orgs/:orgId/api-keys', auth: { kind: 'org', perm: 'apikeys.manage' }, tags: ['api-keys'], summary: 'Create an API key for automation; the secret is shown once',
    schema: { params: orgParams, body: S.obj({ name: S.str(100, { minLength: 1 }), role: { type: 'string', enum: [...API_KEY_ROLES] }, expiresInDays: { type: 'integer', minimum: 1, maximum: 366 } }, ['name', 'role']) },
    async handler(req, reply) {
      const b = req.body as { name: string; role: Role; expiresInDays?: number };
      const { key, secret } = await orgs.createApiKey(who.actor(req), { name: b.name, role: b.role, ...(b.expiresInDays ? { expiresInMs: b.expiresInDays * 86_400_000 } : {}) });
      return reply.status(201).send({ apiKey: keyView(key), secret });
    },
  });

  route(api, {
    method: 'DELETE', url: '/v1/orgs/:orgId/api-keys/:keyId', auth: { kind: 'org', perm: 'apikeys.manage' }, tags: ['api-keys'], summary: 'Revoke an API key (immediate)',
    schema: { params: S.obj({ orgId: S.id, keyId: S.id }, ['orgId', 'keyId']) },
    async handler(req, reply) {
      await orgs.revokeApiKey(who.actor(req), (req.params as { keyId: string }).keyId);
      return reply.status(204).send();
    },
  });
}
