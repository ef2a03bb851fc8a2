import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { Logger } from '../lib/logger.ts';
import type { AccountService } from '../identity/accounts.service.ts';
import type { OrgService } from '../identity/orgs.service.ts';
import type { Notifier } from '../notifiers/notifier.ts';
import type { Stage } from '../pipeline/types.ts';
import type { ApprovalsConfig } from './approvals.config.ts';
import { createApprovalService } from './approvals.service.ts';
import { createChatLinks } from './chat-links.ts';
import { createWebNotifier } from '../notifiers/web/web.notifier.ts';
import { createSlackNotifier } from '../notifiers/slack/slack.notifier.ts';
import { createTelegramBot } from '../notifiers/telegram/telegram.notifier.ts';
import { createApprovalStage } from '../pipeline/stages/approval.ts';
import { registerApprovalsApi } from '../http/approvals.routes.ts';
import type { RouteDoc } from '../http/openapi.ts';

/**
 * Builds the approval module from its config: the service, its channels (web always;
 * Slack and Telegram when configured), the pipeline stage and the REST routes. The
 * composition root calls `start()` after the store is migrated and `stop()` on shutdown.
 */
export function wireApprovals(opts: { config: ApprovalsConfig; store: Store; audit: Pick<AuditWriter, 'append'>; logger: Logger; clock?: () => number; instanceId?: string }) {
  const cfg = opts.config;
  const telegram = cfg.telegram ? createTelegramBot({ token: cfg.telegram.token, chatId: cfg.telegram.chatId, apiRoot: cfg.telegram.apiRoot, escalationChatId: cfg.escalation?.telegramChatId }) : undefined;
  const notifiers: Notifier[] = [
    createWebNotifier(),
    ...(cfg.slack ? [createSlackNotifier({ token: cfg.slack.token, channel: cfg.slack.channel, apiUrl: cfg.slack.apiUrl, escalationChannel: cfg.escalation?.slackChannel })] : []),
    ...(telegram ? [telegram.notifier] : []),
  ];
  const service = createApprovalService({
    store: opts.store,
    audit: opts.audit,
    notifiers,
    logger: opts.logger,
    expiryMs: cfg.expiry,
    heartbeatMs: cfg.heartbeat,
    escalation: cfg.escalation ? { afterMs: cfg.escalation.after, to: cfg.escalation.to } : undefined,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
  });
  const links = createChatLinks({ store: opts.store, audit: opts.audit, ...(opts.clock ? { clock: opts.clock } : {}) });
  // Orgs opted into the elicitation channel, by id or name (names resolved at start).
  const inClient = new Set(cfg.elicitation.orgs);
  const askInClient = (orgId: string) => inClient.has('*') || inClient.has(orgId);
  return {
    service,
    links,
    notifiers,
    stage(redact?: (args: Record<string, unknown>) => Record<string, unknown>): Stage {
      return createApprovalStage({ approvals: service, progressIntervalMs: cfg.progressInterval, askInClient, ...(redact ? { redact } : {}) });
    },
    registerApi(app: FastifyInstance, d: { accounts: AccountService; orgs: OrgService; secureCookies?: 'auto' | boolean; allowedOrigins?: string[]; docs?: RouteDoc[] }) {
      registerApprovalsApi(app, {
        approvals: service,
        links,
        accounts: d.accounts,
        orgs: d.orgs,
        logger: opts.logger,
        ...(d.secureCookies !== undefined ? { secureCookies: d.secureCookies } : {}),
        ...(d.allowedOrigins ? { allowedOrigins: d.allowedOrigins } : {}),
        slack: cfg.slack ? { signingSecret: cfg.slack.signingSecret } : undefined,
        telegram: telegram && cfg.telegram ? { bot: telegram, webhookSecret: cfg.telegram.webhookSecret } : undefined,
        ...(opts.clock ? { clock: opts.clock } : {}),
        ...(d.docs ? { docs: d.docs } : {}),
      });
    },
    async start() {
      const names = cfg.elicitation.orgs.filter((o) => o !== '*');
      if (names.length) for (const r of await opts.store.query<{ id: string }>(`SELECT id FROM orgs WHERE name = ANY($1::text[])`, [names])) inClient.add(r.id);
      await service.start();
    },
    stop: () => service.stop(),
  };
}

export type Approvals = ReturnType<typeof wireApprovals>;
