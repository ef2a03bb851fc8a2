import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import type { Logger } from '../lib/logger.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { safeEqual } from '../lib/secure-compare.ts';
import type { AccountService } from '../identity/accounts.service.ts';
import type { OrgService } from '../identity/orgs.service.ts';
import { can } from '../identity/roles.ts';
import { createKit, route, who, S, type RequestAuth, type RouteAuth, apiErrorHandler } from './identity.kit.ts';
import type { RouteDoc } from './openapi.ts';
import type { FastifySchema } from 'fastify';
import type { ApprovalService } from '../approvals/approvals.service.ts';
import type { ApprovalActor, ApprovalRequest, ApprovalState } from '../approvals/approvals.types.ts';
import { decideFromChat, type ChatLinks } from '../approvals/chat-links.ts';
import { verifySlackSignature } from '../notifiers/slack/signature.ts';
import { parseSlackInteraction } from '../notifiers/slack/slack.notifier.ts';
import type { TelegramBot } from '../notifiers/telegram/telegram.notifier.ts';

export interface ApprovalsApiDeps {
  approvals: ApprovalService;
  links: ChatLinks;
  /** From registerIdentityApi: the same sessions, API keys and roles. */
  accounts: AccountService;
  orgs: OrgService;
  logger: Logger;
  secureCookies?: 'auto' | boolean;
  allowedOrigins?: string[];
  slack?: { signingSecret: string } | undefined;
  telegram?: { bot: TelegramBot; webhookSecret: string } | undefined;
  clock?: () => number;
  /** The identity API's OpenAPI route list: these routes are documented in /api/openapi.json too. */
  docs?: RouteDoc[];
}

const BODY_LIMIT = 256 * 1024;
const STATES = ['pending', 'approved', 'denied', 'expired', 'cancelled', 'failed'];
const orgParams = S.obj({ orgId: S.id }, ['orgId']);
const reqParams = S.obj({ orgId: S.id, id: S.id }, ['orgId', 'id']);
const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export function approvalView(r: ApprovalRequest) {
  return r;
}

function actorOf(req: FastifyRequest): ApprovalActor {
  const a = who.actor(req);
  const user = req.identityAuth.user;
  return a.kind === 'user' ? { type: 'user', id: a.id, name: user?.email ?? a.id } : { type: 'api_key', id: a.id, name: `api key ${a.id}` };
}

/**
 * The approval queue's REST API (/api/v1/orgs/:orgId/approvals…, a live stream at
 * /api/v1/approvals/stream) and the Slack and Telegram callbacks. Sessions, API keys,
 * roles and CSRF come from the identity kit: owner, admin and approver decide; auditors
 * and viewers read.
 */
export function registerApprovalsApi(app: FastifyInstance, deps: ApprovalsApiDeps): void {
  const { approvals, links, orgs } = deps;
  const now = deps.clock ?? Date.now;
  const kit = createKit({ accounts: deps.accounts, orgs, secureCookies: deps.secureCookies ?? 'auto', allowedOrigins: deps.allowedOrigins ?? [] });
  const tags = ['approvals'];

  async function member(orgId: string, userId: string) {
    const list = await orgs.members({ orgId, role: 'owner', kind: 'user', id: 'approvals' });
    const m = list.find((x) => x.user_id === userId);
    return m ? { role: m.role, email: m.email } : undefined;
  }

  if (deps.telegram) {
    const tg = deps.telegram.bot;
    tg.setHandlers({
      onDecision: async (fromId, action, requestId) => (await decideFromChat({ approvals, links, member }, { provider: 'telegram', externalId: fromId, requestId, action })).text,
      onLink: async (fromId, code) => ((await links.redeem('telegram', fromId, code)) ? 'Linked: you can now decide approvals here.' : 'That code is unknown, used or expired. Get a new one from the console.'),
    });
  }

  app.register(
    async (api) => {
      api.removeAllContentTypeParsers();
      // Raw strings: Slack signs the exact bytes it sent, so the body is parsed only after verification.
      api.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
      await api.register(fastifyCookie);
      api.decorateRequest('identityAuth', null as unknown as RequestAuth);
      api.addHook('preHandler', async (req) => kit.authenticate(req));
      api.addHook('onRoute', (r) => {
        const auth = (r.config as { identityAuth?: RouteAuth } | undefined)?.identityAuth;
        const methods = Array.isArray(r.method) ? r.method : [r.method];
        for (const m of methods) if (m !== 'HEAD') deps.docs?.push({ method: m, url: r.url, schema: (r.schema ?? {}) as FastifySchema, auth });
      });
      api.addHook('preValidation', async (req) => {
        if (typeof req.body === 'string' && String(req.headers['content-type'] ?? '').startsWith('application/json') && !req.url.includes('/integrations/')) {
          try {
            req.body = req.body === '' ? undefined : JSON.parse(req.body);
          } catch {
            throw new FlowLinkError('parse_error', 'the body is not valid JSON');
          }
        }
      });
      api.addHook('onSend', async (_req, reply) => {
        reply.header('cache-control', 'no-store');
      });
      api.setErrorHandler(apiErrorHandler(deps.logger, 'approvals', BODY_LIMIT));

      route(api, {
        method: 'GET', url: '/v1/orgs/:orgId/approvals', auth: { kind: 'org', perm: 'org.read' }, tags, summary: 'Approval requests, newest first',
        schema: { params: orgParams, querystring: S.obj({ state: { type: 'string', enum: STATES }, limit: { type: 'integer', minimum: 1, maximum: 200 }, before: S.str(40) }) },
        async handler(req) {
          const q = req.query as { state?: ApprovalState; limit?: number; before?: string };
          return { approvals: (await approvals.list(who.actor(req).orgId, q)).map(approvalView) };
        },
      });

      route(api, {
        method: 'GET', url: '/v1/orgs/:orgId/approvals/:id', auth: { kind: 'org', perm: 'org.read' }, tags, summary: "One request, with the session's recent calls",
        schema: { params: reqParams },
        async handler(req) {
          const r = await approvals.get(who.actor(req).orgId, (req.params as { id: string }).id);
          if (!r) throw new FlowLinkError('not_found', 'no such approval request');
          await approvals.viewed(r, actorOf(req), 'web');
          return { approval: approvalView(r), history: await approvals.history(r) };
        },
      });

      route(api, {
        method: 'POST', url: '/v1/orgs/:orgId/approvals/:id/decision', auth: { kind: 'org', perm: 'approvals.decide' }, tags, summary: 'Approve once, approve for the session, deny with a reason, or always allow (suggests a rule)',
        schema: {
          params: reqParams,
          body: S.obj({ action: { type: 'string', enum: ['approve', 'approve_session', 'deny', 'always_allow'] }, reason: S.str(2000), callHash: S.str(64, { pattern: '^[0-9a-f]{64}$' }) }, ['action']),
        },
        async handler(req) {
          const b = req.body as { action: 'approve' | 'approve_session' | 'deny' | 'always_allow'; reason?: string; callHash?: string };
          const actor = actorOf(req);
          const res = await approvals.decide(who.actor(req).orgId, (req.params as { id: string }).id, actor, { action: b.action, reason: b.reason, callHash: b.callHash, channel: actor.type === 'user' ? 'web' : 'api' });
          return { approval: approvalView(res.request), final: res.final, ...(res.suggestedRule ? { suggestedRule: res.suggestedRule } : {}) };
        },
      });

      route(api, {
        method: 'GET', url: '/v1/orgs/:orgId/approvals-suggested-rules', auth: { kind: 'org', perm: 'org.read' }, tags, summary: 'Policy rules suggested by "always allow" (for review; never applied by themselves)',
        schema: { params: orgParams },
        async handler(req) {
          return { rules: await approvals.suggestedRules(who.actor(req).orgId) };
        },
      });

      route(api, {
        method: 'GET', url: '/v1/approvals/stream', auth: { kind: 'user' }, tags, summary: 'Live updates (Server-Sent Events) of the approval requests of one org',
        schema: { querystring: S.obj({ orgId: S.id }, ['orgId']) },
        async handler(req, reply) {
          const orgId = (req.query as { orgId: string }).orgId;
          const { role } = await orgs.memberRole(orgId, who.user(req).id);
          if (!can(role, 'org.read')) throw new FlowLinkError('forbidden', `a ${role} may not read approvals`);
          reply.hijack();
          const res = reply.raw;
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
          res.write(': connected\n\n');
          const off = approvals.onChange((e) => {
            if (e.org === orgId) res.write(`event: approval\ndata: ${JSON.stringify({ id: e.id, state: e.state })}\n\n`);
          });
          const keepAlive = setInterval(() => res.write(': ping\n\n'), 15_000);
          keepAlive.unref();
          req.raw.on('close', () => {
            off();
            clearInterval(keepAlive);
          });
        },
      });

      route(api, {
        method: 'GET', url: '/v1/orgs/:orgId/approvals-links', auth: { kind: 'org', perm: 'members.read' }, tags, summary: 'Slack and Telegram accounts linked to members',
        schema: { params: orgParams },
        async handler(req) {
          return { links: await links.list(who.actor(req).orgId) };
        },
      });

      route(api, {
        method: 'POST', url: '/v1/orgs/:orgId/approvals-links/telegram-code', auth: { kind: 'org', perm: 'approvals.decide' }, tags, summary: 'A one-time code to send to the bot as /link CODE (links your Telegram account)',
        schema: { params: orgParams },
        async handler(req) {
          const a = who.actor(req);
          if (a.kind !== 'user') throw new FlowLinkError('forbidden', 'only a signed-in person links a chat account');
          return links.createCode(a.orgId, 'telegram', a.id);
        },
      });

      route(api, {
        method: 'PUT', url: '/v1/orgs/:orgId/approvals-links/slack', auth: { kind: 'org', perm: 'members.manage' }, tags, summary: "Link a member to a Slack user id (an admin sets it from Slack's profile, never from a display name)",
        schema: { params: orgParams, body: S.obj({ userId: S.id, slackUserId: S.str(32, { pattern: '^[UW][A-Z0-9]{2,30}$' }) }, ['userId', 'slackUserId']) },
        async handler(req) {
          const a = who.actor(req);
          const b = req.body as { userId: string; slackUserId: string };
          if (!(await member(a.orgId, b.userId))) throw new FlowLinkError('not_found', 'no such member');
          await links.link(a.orgId, 'slack', b.slackUserId, b.userId, a.id);
          return { linked: true };
        },
      });

      route(api, {
        method: 'POST', url: '/v1/integrations/slack/interactions', auth: { kind: 'public' }, tags: ['integrations'], summary: 'Slack interaction callback (signed by Slack)',
        async handler(req, reply) {
          if (!deps.slack) throw new FlowLinkError('not_found', 'Slack is not configured');
          const raw = typeof req.body === 'string' ? req.body : '';
          const v = verifySlackSignature(deps.slack.signingSecret, { timestamp: req.headers['x-slack-request-timestamp'], signature: req.headers['x-slack-signature'] }, raw, now());
          if (!v.ok) throw new FlowLinkError('unauthorized', v.message);
          const click = parseSlackInteraction(raw);
          if (!click) return reply.status(200).send({ text: 'Ignored' });
          const res = await decideFromChat({ approvals, links, member }, { provider: 'slack', externalId: click.slackUserId, requestId: click.requestId, action: click.action, callHash: click.callHash });
          return reply.status(200).send({ response_type: 'ephemeral', replace_original: false, text: res.text, ok: res.ok });
        },
      });

      route(api, {
        method: 'POST', url: '/v1/integrations/telegram/webhook', auth: { kind: 'public' }, tags: ['integrations'], summary: 'Telegram webhook (X-Telegram-Bot-Api-Secret-Token)',
        async handler(req, reply) {
          if (!deps.telegram) throw new FlowLinkError('not_found', 'Telegram is not configured');
          const sent = req.headers[TELEGRAM_SECRET_HEADER];
          if (typeof sent !== 'string' || !safeEqual(sent, deps.telegram.webhookSecret)) throw new FlowLinkError('unauthorized', 'the webhook secret token does not match');
          let update: unknown;
          try {
            update = JSON.parse(typeof req.body === 'string' ? req.body : '');
          } catch {
            throw new FlowLinkError('parse_error', 'the body is not valid JSON');
          }
          await deps.telegram.bot.handleUpdate(update);
          return reply.status(200).send({ ok: true });
        },
      });
    },
    { prefix: '/api' },
  );
}
