import { z } from 'zod';

/**
 * `siem.sinks[]` in flowlink.yaml (docs/siem.md). Strict like the rest of the config:
 * an unknown key or a wrong type names the key. Credentials are references only, never
 * literal values: `"{{secret:NAME}}"` (the built-in store, or `env:VAR`, `vault:…`, `file:…`
 * inside the braces) or `{ env: VAR }`.
 */
const SECRET_REF = /^\{\{\s*secret:([^{}\s]{1,1100})\s*\}\}$/;
const REF_MESSAGE = 'expected a secret reference: "{{secret:NAME}}" (NAME, env:VAR, vault:… or file:…) or { env: VAR }; literal credentials are not accepted in the config';
export const SecretRefSchema = z.union([z.string().regex(SECRET_REF, REF_MESSAGE), z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'expected an environment variable name') })], { error: REF_MESSAGE });
export type SecretRef = z.output<typeof SecretRefSchema>;

/** The reference inside `{{secret:…}}`, or `env:VAR` for `{ env: VAR }`. */
export function secretRefName(ref: SecretRef): string {
  return typeof ref === 'string' ? SECRET_REF.exec(ref)![1]! : `env:${ref.env}`;
}

const duration = z.union([z.number().int().positive(), z.string().regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 500ms, 30s or 5m')]).transform((v) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+)(ms|s|m|h)$/.exec(v)!;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms'];
});

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
  .refine((u) => !/^https?:\/\/[^/?#]*@/i.test(u), 'the URL must not carry a user name or password: use the sink\'s secret/token reference');
const severity = z.enum(['info', 'low', 'medium', 'high', 'critical'], { error: 'expected one of info, low, medium, high, critical' });

const common = {
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'sink names use lowercase letters, digits, "-" and "_" (max 63)'),
  /** Event kinds to send, as globs (`call.*`, `*.denied`); default: every kind. */
  kinds: z.array(z.string().regex(/^[a-z0-9_.*]{1,128}$/, 'a kind glob uses lowercase letters, digits, ".", "_" and "*"')).max(100).optional(),
  /** Only events at or above this severity. */
  minSeverity: severity.optional(),
  /** Most events per request or write. */
  batchSize: z.number().int().min(1).max(5000).default(100),
  timeout: duration.default(10_000),
};

export const WebhookSinkSchema = z.strictObject({
  type: z.literal('webhook'),
  url: httpUrl,
  /** HMAC-SHA256 key; receivers verify X-FlowLink-Signature with it. */
  secret: SecretRefSchema,
  format: z.enum(['flowlink', 'ocsf']).default('flowlink'),
  ...common,
});

export const AlertmanagerSinkSchema = z.strictObject({
  type: z.literal('alertmanager'),
  /** Alertmanager's address; /api/v2/alerts is added unless the URL already ends with it. */
  url: httpUrl,
  /** Optional bearer token (Alertmanager behind an authenticating proxy). */
  token: SecretRefSchema.optional(),
  /** Alerts end this long after the event (Alertmanager resolves them then). */
  resolveAfter: duration.default(5 * 60_000),
  /** Link shown in notifications, such as the console's audit page. */
  generatorUrl: httpUrl.optional(),
  ...common,
});

export const SplunkHecSinkSchema = z.strictObject({
  type: z.literal('splunk-hec'),
  /** HEC's address (https://splunk:8088); /services/collector/event is added unless present. */
  url: httpUrl,
  token: SecretRefSchema,
  format: z.enum(['flowlink', 'ocsf']).default('flowlink'),
  index: z.string().regex(/^[a-z0-9_][a-z0-9_-]{0,79}$/, 'expected a Splunk index name').optional(),
  source: z.string().min(1).max(128).default('flowlink'),
  sourcetype: z.string().min(1).max(128).default('flowlink:audit'),
  ...common,
});

export const SyslogSinkSchema = z.strictObject({
  type: z.literal('syslog'),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['tcp', 'tls', 'udp']).default('tls'),
  /** PEM file of the CA that signed the receiver's certificate (tls); relative to the config file. */
  caFile: z.string().min(1).optional(),
  /** Syslog facility number 0-23 (13 = log audit, 10 = authpriv). */
  facility: z.number().int().min(0).max(23).default(13),
  appName: z.string().regex(/^[\x21-\x7e]{1,48}$/, 'APP-NAME is 1-48 printable ASCII characters without spaces').default('flowlink'),
  /** HOSTNAME in each message; default: this machine's host name. */
  hostname: z.string().regex(/^[\x21-\x7e]{1,255}$/, 'HOSTNAME is printable ASCII without spaces').optional(),
  format: z.literal('cef').default('cef'),
  ...common,
});

export const SinkConfigSchema = z.discriminatedUnion('type', [WebhookSinkSchema, AlertmanagerSinkSchema, SplunkHecSinkSchema, SyslogSinkSchema], {
  error: 'a sink needs "type": webhook, alertmanager, splunk-hec or syslog',
});

export const SiemConfigSchema = z
  .strictObject({
    sinks: z.array(SinkConfigSchema).max(50).default([]),
    /** How often delivery looks for new events. */
    pollInterval: duration.default(1000),
    /** Backoff after a failed send: doubles per attempt from `retryBase` up to `retryMax`, with jitter. */
    retryBase: duration.default(1000),
    retryMax: duration.default(5 * 60_000),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.sinks.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: ['sinks', i, 'name'], message: `sink name "${s.name}" is used twice` });
      seen.add(s.name);
      if (s.type === 'syslog' && s.caFile && s.protocol !== 'tls') ctx.addIssue({ code: 'custom', path: ['sinks', i, 'caFile'], message: 'caFile only applies to protocol: tls' });
    });
  });

export type SiemConfig = z.output<typeof SiemConfigSchema>;
export type SinkConfig = z.output<typeof SinkConfigSchema>;
