import type { Store } from '../store/store.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/secure-compare.ts';
import { isFlowLinkError } from '../lib/errors.ts';
import { can, type Role } from '../identity/roles.ts';
import { linksRepo } from './approvals.repo.ts';
import type { ApprovalService } from './approvals.service.ts';
import type { ApprovalAction } from './approvals.types.ts';

export type ChatProvider = 'slack' | 'telegram';
const CODE_TTL_MS = 10 * 60_000;

/**
 * Links chat accounts to FlowLink users, per org. A link is made only from an identity the
 * chat service vouches for (Telegram's numeric user id on a message carrying a one-time
 * code the signed-in user got from the console; a Slack user id an admin sets), never from
 * a display name.
 */
export function createChatLinks(deps: { store: Store; audit: Pick<AuditWriter, 'append'>; clock?: () => number }) {
  const { store } = deps;
  const now = deps.clock ?? Date.now;

  async function link(orgId: string, provider: ChatProvider, externalId: string, userId: string, by: string) {
    await linksRepo.link(store, { orgId, provider, externalId, userId, by });
    await deps.audit.append({ orgId, kind: 'approval.link_created', actor: { type: 'user', id: by }, outcome: 'success', data: { provider, external_id: externalId, user_id: userId } });
  }

  return {
    link,
    unlink: (orgId: string, provider: ChatProvider, externalId: string) => linksRepo.unlink(store, orgId, provider, externalId),
    list: (orgId: string) => linksRepo.list(store, orgId),
    userFor: (orgId: string, provider: ChatProvider, externalId: string) => linksRepo.userFor(store, orgId, provider, externalId),

    /** A one-time code (10 minutes) the signed-in user sends to the bot as `/link CODE`. */
    async createCode(orgId: string, provider: ChatProvider, userId: string): Promise<{ code: string; expiresAt: string }> {
      const code = randomBytes(9).toString('base64url');
      const expiresAt = new Date(now() + CODE_TTL_MS);
      await linksRepo.addCode(store, { hash: sha256Hex(code), orgId, provider, userId, expiresAt });
      return { code, expiresAt: expiresAt.toISOString() };
    },

    /** Redeems a code sent from chat account `externalId`; returns false for an unknown, used or expired code. */
    async redeem(provider: ChatProvider, externalId: string, code: string): Promise<boolean> {
      if (code.length > 64) return false;
      const c = await linksRepo.useCode(store, sha256Hex(code), provider, new Date(now()));
      if (!c) return false;
      await link(c.org_id, provider, externalId, c.user_id, c.user_id);
      return true;
    },
  };
}

export type ChatLinks = ReturnType<typeof createChatLinks>;

/**
 * A decision taken in a chat: honoured only if the chat account is linked to a FlowLink
 * user who may decide approvals in the request's org. Returns the text to show the person.
 */
export async function decideFromChat(
  deps: { approvals: ApprovalService; links: ChatLinks; member: (orgId: string, userId: string) => Promise<{ role: Role; email: string } | undefined> },
  c: { provider: ChatProvider; externalId: string; requestId: string; action: ApprovalAction; callHash?: string },
): Promise<{ ok: boolean; text: string }> {
  const r = await deps.approvals.find(c.requestId);
  if (!r) return { ok: false, text: 'Unknown approval request' };
  const userId = await deps.links.userFor(r.orgId, c.provider, c.externalId);
  if (!userId) return { ok: false, text: `Your ${c.provider} account is not linked to a FlowLink user of this organization; link it from the console first` };
  const m = await deps.member(r.orgId, userId);
  if (!m || !can(m.role, 'approvals.decide')) return { ok: false, text: 'Your FlowLink account may not decide approvals in this organization' };
  try {
    const res = await deps.approvals.decide(r.orgId, r.id, { type: 'user', id: userId, name: m.email }, {
      action: c.action,
      channel: c.provider,
      ...(c.callHash ? { callHash: c.callHash } : {}),
      ...(c.action === 'deny' ? { reason: `denied in ${c.provider === 'slack' ? 'Slack' : 'Telegram'}` } : {}),
    });
    return { ok: true, text: res.final ? `Request ${res.request.state}` : `Vote recorded (${res.request.approvals} of ${res.request.requiredApprovals})` };
  } catch (err) {
    if (isFlowLinkError(err)) return { ok: false, text: err.message };
    throw err;
  }
}

