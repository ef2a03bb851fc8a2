/**
 * The policy language: one schema for the `policies:` section of flowlink.yaml and for
 * policy sets sent through the API. Every object is strict, every string bounded.
 * See docs/policy.md for the meaning of each key.
 */
import { z } from 'zod';

const short = z.string().min(1).max(200);
const globList = z.array(short).min(1).max(200);
const labelMap = z.record(z.string().min(1).max(100), z.string().max(200));

export const EFFECTS = ['allow', 'approve', 'deny', 'audit'] as const;
export type Effect = (typeof EFFECTS)[number];
/** Effects that end an evaluation; `audit` only records. */
export type TerminalEffect = Exclude<Effect, 'audit'>;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

const timezone = z.string().max(100).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'unknown time zone (use an IANA name such as Europe/Paris or UTC)');

export const TimeWindowSchema = z.strictObject({
  days: z.array(z.enum(DAYS)).min(1).max(7).optional(),
  /** "09:00-18:00"; a window that ends before it starts wraps past midnight ("22:00-06:00"). */
  hours: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'expected "HH:MM-HH:MM", such as "09:00-18:00"').optional(),
  timezone: timezone.default('UTC'),
});

/** Who and what a rule applies to. Absent keys match everything; lists match any entry. */
export const RuleMatchSchema = z.strictObject({
  /** Org names or ids. */
  orgs: globList.optional(),
  /** Agent names. */
  agents: globList.optional(),
  /** Groups defined in `policies.groups`, or named in the agent's `groups` label (comma separated). */
  groups: z.array(short).min(1).max(50).optional(),
  /** Every key must equal (glob) the agent's label. */
  agentLabels: z.record(z.string().min(1).max(100), short).optional(),
  servers: globList.optional(),
  /** Tool globs; one containing "__" is matched against "server__tool" (kubernetes__*, *__delete_*). */
  tools: globList.optional(),
  /** Every key must equal (glob) the server's label (env: prod). */
  serverLabels: z.record(z.string().min(1).max(100), short).optional(),
});

const severity = z.enum(['info', 'low', 'medium', 'high', 'critical']);

/** Conditions on the call itself; all keys must hold. Facts come from the arguments and Shield's targets. */
export const RuleWhenSchema = z.strictObject({
  /** Path globs (`**` crosses folders, `~` is any home) over path arguments and Shield's path targets. */
  paths: globList.optional(),
  /** Host globs (case-insensitive) over URL/host arguments and Shield's host targets. */
  hosts: globList.optional(),
  /** Kubernetes namespaces (globs) from a `namespace` argument or Shield's k8s targets. */
  namespaces: globList.optional(),
  /** SQL statement kinds: select, insert, update, delete, drop, truncate, alter_table, grant, ... */
  sql: z.array(z.string().min(1).max(40).regex(/^[a-z_*]+$/, 'lowercase statement kind such as delete or drop')).min(1).max(40).optional(),
  /** Argument values by dotted path; each value is a glob or a list of globs over the value as text. */
  args: z.record(z.string().min(1).max(200), z.union([short, globList])).optional(),
  /** Shield's risk score range (inclusive). */
  risk: z.strictObject({ min: z.number().min(0).max(100).optional(), max: z.number().min(0).max(100).optional() }).optional(),
  /** Shield's verdict. */
  verdict: z.array(z.enum(['allow', 'approve', 'block'])).min(1).optional(),
  /** Shield's severity, at least. */
  severity: severity.optional(),
  /** Shield reason rule ids (globs), any of. */
  shieldRules: globList.optional(),
  /** The call happens inside this window. */
  time: TimeWindowSchema.optional(),
});

export const ExceptionSchema = z.strictObject({
  /** Why these Shield rules are waived; stored with every call that uses the exception. */
  justification: z.string().min(10, 'a justification of at least 10 characters is required').max(1000),
  /** Shield rule ids (globs) this allow may waive. Fail-closed reasons (shield.*, *.parse-error) are never waived. */
  shieldRules: globList,
});

export const RuleSchema = z
  .strictObject({
    id: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,99}$/, 'rule ids use letters, digits, ".", "_", ":" and "-" (max 100)'),
    description: z.string().max(1000).optional(),
    /** Higher runs first; at equal priority deny beats approve beats allow. */
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    effect: z.enum(EFFECTS),
    /** Only with effect approve: how many distinct approvers are needed. */
    approvers: z.number().int().min(1).max(10).optional(),
    /** Shown to the agent and recorded with the call. */
    reason: z.string().max(500).optional(),
    match: RuleMatchSchema.default({}),
    when: RuleWhenSchema.optional(),
    /** Only with effect allow: lets this allow waive specific Shield rules. */
    exception: ExceptionSchema.optional(),
    enabled: z.boolean().default(true),
  })
  .superRefine((r, ctx) => {
    if (r.approvers !== undefined && r.effect !== 'approve') ctx.addIssue({ code: 'custom', path: ['approvers'], message: `"approvers" needs effect approve (this rule's effect is ${r.effect})` });
    if (r.exception !== undefined && r.effect !== 'allow') ctx.addIssue({ code: 'custom', path: ['exception'], message: `"exception" needs effect allow (this rule's effect is ${r.effect})` });
    const risk = r.when?.risk;
    if (risk?.min !== undefined && risk.max !== undefined && risk.min > risk.max) ctx.addIssue({ code: 'custom', path: ['when', 'risk'], message: 'risk.min is above risk.max' });
  });

export const GroupSchema = z.strictObject({
  agents: globList.optional(),
  agentLabels: z.record(z.string().min(1).max(100), short).optional(),
});

export const DefaultsSchema = z.strictObject({
  /** What happens when no rule decides. */
  posture: z.enum(['allow', 'deny']).default('allow'),
  /** Per-org posture (org name or id), overriding `posture`. */
  orgs: z.record(short, z.enum(['allow', 'deny'])).default({}),
  /** Deny by default on servers whose labels match one of these selectors (e.g. [{ env: prod }]). */
  denyServers: z.array(labelMap).max(50).default([]),
});

export const PoliciesConfigSchema = z
  .strictObject({
    defaults: DefaultsSchema.default({ posture: 'allow', orgs: {}, denyServers: [] }),
    groups: z.record(z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/, 'group names use letters, digits, ".", "_" and "-"'), GroupSchema).default({}),
    rules: z.array(RuleSchema).max(20_000).default([]),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>();
    p.rules.forEach((r, i) => {
      const first = seen.get(r.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${r.id}" (first used by rules[${first}])` });
      else seen.set(r.id, i);
      for (const [j, g] of (r.match.groups ?? []).entries()) {
        // A group named only in agents' labels is allowed; one defined nowhere is most likely a typo, but labels can't be checked here.
        if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/.test(g)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'match', 'groups', j], message: `invalid group name "${g}"` });
      }
    });
  });

export type PoliciesConfig = z.output<typeof PoliciesConfigSchema>;
export type PoliciesInput = z.input<typeof PoliciesConfigSchema>;
export type Rule = z.output<typeof RuleSchema>;
export type RuleWhen = z.output<typeof RuleWhenSchema>;
export type TimeWindow = z.output<typeof TimeWindowSchema>;
