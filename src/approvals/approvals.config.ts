import { z } from 'zod';

const duration = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 500ms, 30s, 5m, 2h or 1d')])
  .transform((v) => (typeof v === 'number' ? v : parseDurationMs(v)));

function parseDurationMs(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s)!;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/**
 * `approvals:` in flowlink.yaml, embedded as `approvals: ApprovalsConfigSchema.optional()`.
 * Without the key (or with `enabled: false`) a call that needs approval is refused, as
 * before; with it (`approvals: {}` is enough) such calls wait for a person. Chat channels
 * are optional; the web queue is always on.
 */
export const ApprovalsConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** How long a request waits for a decision; then it expires, which denies the call. */
    expiry: duration.default(15 * 60_000),
    /** How often the waiting agent gets a progress notification (keeps client timeouts at bay). */
    progressInterval: duration.default(10_000),
    /** Heartbeat of the instance holding calls; requests of an instance silent for 3 beats are failed. */
    heartbeat: duration.default(5_000),
    /**
     * Ask through the agent's own client (MCP elicitation) for these orgs (ids or names; "*"
     * for all). Off by default: the person answering there is the requester, and a client can
     * be set to auto-accept, so it approves only single-approver requests.
     */
    elicitation: z.strictObject({ orgs: z.array(z.string().min(1).max(128)).max(1000).default([]) }).default({ orgs: [] }),
    /** Tasks (2026-07-28 agents with the Tasks extension): how often they should poll, and how long a finished task stays readable. */
    tasks: z.strictObject({ pollInterval: duration.default(5_000), ttl: duration.default(60 * 60_000) }).default({ pollInterval: 5_000, ttl: 3_600_000 }),
    escalation: z
      .strictObject({
        /** Unanswered for this long: the request is escalated (recorded, and announced again to `to`). */
        after: duration,
        /** The group escalated to (a name recorded in the audit log and shown in messages). */
        to: z.string().min(1).max(128).default('admins'),
        slackChannel: z.string().min(1).max(128).optional(),
        telegramChatId: z.union([z.string().max(64), z.number().int()]).optional(),
      })
      .optional(),
    slack: z
      .strictObject({
        token: z.string().min(1).max(512),
        signingSecret: z.string().min(1).max(512),
        channel: z.string().min(1).max(128),
        /** Base URL of the Slack Web API (a fake in tests); defaults to https://slack.com/api/. */
        apiUrl: z.string().url().optional(),
      })
      .optional(),
    telegram: z
      .strictObject({
        token: z.string().min(1).max(512),
        /** Telegram sends it in X-Telegram-Bot-Api-Secret-Token (set it with setWebhook secret_token). */
        webhookSecret: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, '1-256 characters A-Z, a-z, 0-9, _ and -'),
        chatId: z.union([z.string().max(64), z.number().int()]),
        /** Base URL of the Bot API (a fake in tests); defaults to https://api.telegram.org. */
        apiRoot: z.string().url().optional(),
      })
      .optional(),
  });

export type ApprovalsConfig = z.output<typeof ApprovalsConfigSchema>;
