import type { Store } from '../store/store.ts';
import type { Logger } from '../lib/logger.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { randomId, randomToken, sha256Hex } from '../lib/secure-compare.ts';
import { orgSettingsRepo, membersRepo, invitesRepo, apiKeysRepo, type ApiKeyRow, type InviteRow } from './orgs.repo.ts';
import { API_KEY_ROLES, mayAssign, type Role } from './roles.ts';
import type { UserRow } from './accounts.repo.ts';
import type { Mailer } from './mailer.ts';
import { normalizeEmail } from './passwords.ts';

const ORG_NAME = /^[a-zA-Z0-9][a-zA-Z0-9 ._-]{1,62}$/;
export const INVITE_TTL_MS = 7 * 24 * 3600_000;
const MAX_KEY_TTL_MS = 366 * 24 * 3600_000;

/** Who acts inside an org: a member (by session) or an API key. Routes resolve this once. */
export interface OrgActor {
  orgId: string;
  role: Role;
  kind: 'user' | 'api_key';
  id: string;
}

export function createOrgService(deps: { store: Store; mailer: Mailer; logger: Pick<Logger, 'error'>; publicUrl: string; clock?: () => number }) {
  const { store } = deps;
  const now = deps.clock ?? Date.now;
  const notFound = () => new FlowLinkError('not_found', 'no such organization');

  function assertAssign(actor: OrgActor, target: Role) {
    if (!mayAssign(actor.role, target)) throw new FlowLinkError('forbidden', `a ${actor.role} cannot grant or change the role ${target}`);
  }

  return {
    /** The caller's role in an org, or not_found (never forbidden: an org you are not in does not exist for you). */
    async memberRole(orgId: string, userId: string): Promise<{ role: Role; requireMfa: boolean }> {
      const m = await membersRepo.get(store, orgId, userId);
      if (!m) throw notFound();
      const org = (await orgSettingsRepo.get(store, orgId))!;
      return { role: m.role, requireMfa: org.require_mfa };
    },

    async create(user: UserRow, name: string): Promise<{ id: string; name: string }> {
      if (!ORG_NAME.test(name)) throw new FlowLinkError('invalid_params', 'an organization name has 2 to 63 letters, digits, spaces, ".", "-" or "_"');
      const id = `org_${randomId()}`;
      await store.tx(async (q) => {
        if (await orgSettingsRepo.nameTaken(q, name)) throw new FlowLinkError('conflict', `the name "${name}" is taken`);
        await orgSettingsRepo.insert(q, id, name);
        await membersRepo.add(q, id, user.id, 'owner');
      });
      return { id, name };
    },

    mine: (userId: string) => membersRepo.orgsOf(store, userId),
    async get(actor: OrgActor) {
      const org = await orgSettingsRepo.get(store, actor.orgId);
      if (!org) throw notFound();
      return org;
    },
    async update(actor: OrgActor, patch: { name?: string; requireMfa?: boolean }) {
      if (patch.name !== undefined && !ORG_NAME.test(patch.name)) throw new FlowLinkError('invalid_params', 'an organization name has 2 to 63 letters, digits, spaces, ".", "-" or "_"');
      if (patch.requireMfa !== undefined && actor.role !== 'owner') throw new FlowLinkError('forbidden', 'only an owner changes the two-factor requirement');
      await store.tx(async (q) => {
        if (patch.name !== undefined && (await orgSettingsRepo.nameTaken(q, patch.name))) throw new FlowLinkError('conflict', `the name "${patch.name}" is taken`);
        await orgSettingsRepo.update(q, actor.orgId, patch);
      });
      return (await orgSettingsRepo.get(store, actor.orgId))!;
    },

    members: (actor: OrgActor) => membersRepo.list(store, actor.orgId),

    async setRole(actor: OrgActor, userId: string, role: Role): Promise<void> {
      await store.tx(async (q) => {
        const m = await membersRepo.get(q, actor.orgId, userId);
        if (!m) throw new FlowLinkError('not_found', 'no such member');
        assertAssign(actor, m.role);
        assertAssign(actor, role);
        await membersRepo.setRole(q, actor.orgId, userId, role);
        if (m.role === 'owner' && (await membersRepo.countOwners(q, actor.orgId)) === 0) throw new FlowLinkError('conflict', 'an organization keeps at least one owner');
      });
    },

    async removeMember(actor: OrgActor, userId: string): Promise<void> {
      await store.tx(async (q) => {
        const m = await membersRepo.get(q, actor.orgId, userId);
        if (!m) throw new FlowLinkError('not_found', 'no such member');
        if (!(actor.kind === 'user' && actor.id === userId)) assertAssign(actor, m.role);
        await membersRepo.remove(q, actor.orgId, userId);
        if (m.role === 'owner' && (await membersRepo.countOwners(q, actor.orgId)) === 0) throw new FlowLinkError('conflict', 'an organization keeps at least one owner');
      });
    },

    /** Invites an address; the link (single use, expiring) is mailed and returned once to the inviter. */
    async invite(actor: OrgActor, input: { email: string; role: Role }): Promise<{ invite: InviteRow; link: string }> {
      const email = normalizeEmail(input.email);
      if (!email) throw new FlowLinkError('invalid_params', 'the email address is not valid');
      assertAssign(actor, input.role);
      if (actor.kind !== 'user') throw new FlowLinkError('forbidden', 'invites are sent by people, not API keys');
      const token = randomToken('fl_invite');
      const invite = await invitesRepo.insert(store, { tokenHash: sha256Hex(token), id: `inv_${randomId()}`, orgId: actor.orgId, email, role: input.role, invitedBy: actor.id, expiresAt: new Date(now() + INVITE_TTL_MS) });
      const org = (await orgSettingsRepo.get(store, actor.orgId))!;
      const link = `${deps.publicUrl.replace(/\/$/, '')}/invite#token=${encodeURIComponent(token)}`;
      setImmediate(() => {
        deps.mailer
          .send({ to: email, subject: `You are invited to ${org.name} on FlowLink`, text: `You are invited to join the organization "${org.name}" on FlowLink as ${input.role}.\n\nOpen this link within 7 days (it works once):\n\n${link}\n` })
          .catch((err: unknown) => deps.logger.error({ err }, 'invite mail failed'));
      });
      return { invite, link };
    },
    invites: (actor: OrgActor) => invitesRepo.listPending(store, actor.orgId),
    async revokeInvite(actor: OrgActor, id: string): Promise<void> {
      if (!(await invitesRepo.revoke(store, actor.orgId, id))) throw new FlowLinkError('not_found', 'no such pending invite');
    },

    /** Accepts an invite for the signed-in user, whose address must be the invited one. */
    async acceptInvite(user: UserRow, token: string): Promise<{ orgId: string; role: Role }> {
      const bad = () => new FlowLinkError('invalid_token', 'the invite link is not valid: it may have expired, been used or been sent to another address');
      if (typeof token !== 'string' || !token.startsWith('fl_invite_')) throw bad();
      return store.tx(async (q) => {
        const inv = await invitesRepo.consume(q, sha256Hex(token), user.email);
        if (!inv) throw bad();
        await membersRepo.add(q, inv.org_id, user.id, inv.role);
        return { orgId: inv.org_id, role: inv.role };
      });
    },

    async createApiKey(actor: OrgActor, input: { name: string; role: Role; expiresInMs?: number }): Promise<{ key: ApiKeyRow; secret: string }> {
      if (!API_KEY_ROLES.includes(input.role)) throw new FlowLinkError('invalid_params', `an API key's role is one of ${API_KEY_ROLES.join(', ')}`);
      assertAssign(actor, input.role);
      const ttl = input.expiresInMs ?? 90 * 24 * 3600_000;
      if (ttl <= 0 || ttl > MAX_KEY_TTL_MS) throw new FlowLinkError('invalid_params', 'an API key expires within 366 days');
      const secret = randomToken('fl_key');
      const key = await apiKeysRepo.insert(store, {
        id: `key_${randomId()}`,
        orgId: actor.orgId,
        name: input.name,
        role: input.role,
        hash: sha256Hex(secret),
        prefix: secret.slice(0, 12),
        createdBy: `${actor.kind}:${actor.id}`,
        expiresAt: new Date(now() + ttl),
      });
      return { key, secret };
    },
    apiKeys: (actor: OrgActor) => apiKeysRepo.list(store, actor.orgId),
    async revokeApiKey(actor: OrgActor, id: string): Promise<void> {
      if (!(await apiKeysRepo.revoke(store, actor.orgId, id))) throw new FlowLinkError('not_found', 'no such live API key');
    },

    /** Resolves `Authorization: Bearer fl_key_…` to an actor of the key's org. */
    async authenticateApiKey(secret: string): Promise<OrgActor | undefined> {
      if (!secret.startsWith('fl_key_') || secret.length > 100) return undefined;
      const key = await apiKeysRepo.byHash(store, sha256Hex(secret));
      if (!key) return undefined;
      await apiKeysRepo.touch(store, key.org_id, key.id);
      return { orgId: key.org_id, role: key.role, kind: 'api_key', id: key.id };
    },
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
