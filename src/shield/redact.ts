/**
 * Secret redaction for tool results. High-precision detectors: fixed token formats
 * first (each with a validator), then key/value assignments whose key names a secret and
 * whose value is not a placeholder. Look-alikes stay: git SHAs, UUIDs, checksums and
 * documented example keys. A match becomes `[redacted:<kind>]`.
 */
interface Detector {
  kind: string;
  re: RegExp;
  /** The secret is this capture group (the rest of the match is context that stays). */
  group?: number;
  /** Cheap substring test before running the regex over a large text. */
  pre?: string[];
  /** Like `pre`, tested against the lower-cased text. */
  preLower?: string[];
  valid?: (secret: string, m: RegExpExecArray) => boolean;
}

const EXAMPLE = /EXAMPLE|example|XXXXXXXX|xxxxxxxx|0{12}|1234567890abcdef|abcdef1234567890/;

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function jwtHeader(tok: string): boolean {
  try {
    const head = Buffer.from(tok.slice(0, tok.indexOf('.')), 'base64url').toString('utf8');
    return /"(alg|typ|kid)"/.test(head);
  } catch {
    return false;
  }
}

const PLACEHOLDER = /^(\$\{?[A-Za-z_]|\$\(|\{\{|<[^>]*>?$|%\(|%[sd]$|\*+$|x{4,}|\.{3}|null$|none$|nil$|true$|false$|undefined$|changeme|change_me|your[_-]|my[_-]?(password|secret|token)|example|placeholder|dummy|redacted|\[redacted|password$|passwd$|secret$|token$|string$|env\(|process\.env|os\.environ|getenv|required$|optional$|sample|fake|test123$|foobar$)/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_KEY_SUFFIX = /(password|passwd|pwd|passphrase|secret|secretkey|token|apikey|accesskey|privatekey|clientsecret|credentials?|signingkey|encryptionkey|masterkey|appkey|accountkey|sessionkey|apisecret|authkey|licensekey|dbpass|pass)$/;
const NOT_SECRET_KEY = /(publickey|publishablekey|tokentype|tokens|tokencount|maxtokens|pagetoken|nexttoken|nextpagetoken|continuationtoken|synctoken|cursortoken|tokenurl|tokenendpoint|keyid|secretname|secretref|passwordfile|secretfile|tokenfile|keyfile|passwordpolicy|passwordlength|tokenlimit|secretarn|keyname|passwordless|bypass|compass|passthrough|overpass|tokenizer)$/;
const WEAK_KEYS = /(password|passwd|pwd|passphrase|pass)$/;

function keyBefore(text: string, end: number): string {
  let i = end;
  while (i > 0 && /[A-Za-z0-9_.-]/.test(text[i - 1]!) && end - i < 80) i--;
  return text.slice(i, end);
}

export const DETECTORS: Detector[] = [
  { kind: 'private-key', re: /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY( BLOCK)?-----[\s\S]{20,}?-----END ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY( BLOCK)?-----/g, pre: ['PRIVATE KEY'] },
  { kind: 'aws-access-key', re: /\b((?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z2-7]{16})\b/g, group: 1, valid: (s) => !EXAMPLE.test(s) },
  { kind: 'aws-secret-key', preLower: ['secret'], re: /(aws_?secret_?(?:access_?)?key|secret_?access_?key|SecretAccessKey)(["']?\s*[:=]\s*["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi, group: 3, valid: (s) => !EXAMPLE.test(s) && entropy(s) > 3.5 },
  { kind: 'github-token', re: /\b(gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,255})\b/g, group: 1, pre: ['gh', 'github_pat_'], valid: (s) => !EXAMPLE.test(s) },
  { kind: 'gitlab-token', re: /\b(gl(?:pat|dt|rt|ptt|cbt|ft|imt|soat|oas)-[A-Za-z0-9_-]{20,})/g, group: 1, pre: ['gl'], valid: (s) => !EXAMPLE.test(s) },
  { kind: 'slack-token', re: /\b(xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]+)/g, group: 1, pre: ['xox', 'xapp-'], valid: (s) => !EXAMPLE.test(s) },
  { kind: 'slack-webhook', re: /(https:\/\/hooks\.slack\.com\/services\/)(T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,})/g, group: 2, pre: ['hooks.slack.com'] },
  { kind: 'stripe-key', re: /\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})/g, group: 1, pre: ['sk_', 'rk_', 'whsec_'], valid: (s) => !EXAMPLE.test(s) },
  { kind: 'anthropic-key', re: /\b(sk-ant-(?:api|admin|sid|oat)\d{2}-[A-Za-z0-9_-]{20,})/g, group: 1, pre: ['sk-ant-'], valid: (s) => !EXAMPLE.test(s) },
  { kind: 'openai-key', re: /\b(sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|sk-[A-Za-z0-9]{48})(?![A-Za-z0-9_-])/g, group: 1, pre: ['sk-'], valid: (s) => !EXAMPLE.test(s) },
  { kind: 'google-api-key', re: /\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g, group: 1, pre: ['AIza'], valid: (s) => !EXAMPLE.test(s) },
  { kind: 'google-oauth-token', re: /\b(ya29\.[0-9A-Za-z_-]{20,})/g, group: 1, pre: ['ya29.'] },
  { kind: 'jwt', re: /\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})/g, group: 1, pre: ['eyJ'], valid: jwtHeader },
  { kind: 'npm-token', re: /\b(npm_[A-Za-z0-9]{36})\b/g, group: 1, pre: ['npm_'] },
  { kind: 'pypi-token', re: /\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})/g, group: 1, pre: ['pypi-'] },
  { kind: 'huggingface-token', re: /\b(hf_[A-Za-z]{34})\b/g, group: 1, pre: ['hf_'] },
  { kind: 'sendgrid-key', re: /\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})/g, group: 1, pre: ['SG.'] },
  { kind: 'digitalocean-token', re: /\b(do[opr]_v1_[a-f0-9]{64})\b/g, group: 1, pre: ['_v1_'] },
  { kind: 'shopify-token', re: /\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b/g, group: 1, pre: ['shp'] },
  { kind: 'databricks-token', re: /\b(dapi[a-f0-9]{32}(?:-\d)?)\b/g, group: 1, pre: ['dapi'] },
  { kind: 'telegram-bot-token', re: /:(AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])/g, group: 1, pre: [':AA'], valid: (_s, m) => /(^|\D)\d{8,10}$/.test(m.input.slice(Math.max(0, m.index - 11), m.index)) },
  { kind: 'azure-storage-key', re: /(AccountKey=)([A-Za-z0-9+/]{86}==)/g, group: 2, pre: ['AccountKey='] },
  // Anchored on the literal '://' so a megabyte of text is scanned quickly; only the password is replaced.
  { kind: 'connection-string-password', re: /(:\/\/[^\s:@/"'<>]{0,100}:)([^\s@/"'<>]{1,200})(?=@[^\s@/"'<>])/g, group: 2, pre: ['://'], valid: (s) => !PLACEHOLDER.test(s) && !/^\*+$/.test(s) && s !== '' },
  { kind: 'authorization-header', preLower: ['authorization'], re: /(\b(?:Authorization|Proxy-Authorization)["']?\s*[:=]\s*["']?(?:Bearer|Token|Basic|token)\s+)([A-Za-z0-9._~+/=-]{16,})/gi, group: 2, valid: (s) => !PLACEHOLDER.test(s) && !s.startsWith('[redacted') && entropy(s) > 3 },
  { kind: 'bearer-token', re: /(\bBearer\s+)([A-Za-z0-9._~+/-]{24,}=*)/g, group: 2, pre: ['Bearer'], valid: (s) => !s.startsWith('[redacted') && !PLACEHOLDER.test(s) && entropy(s) > 3.5 },
  {
    kind: 'secret-assignment',
    preLower: ['pass', 'pwd', 'secret', 'token', 'key', 'credential'],
    re: /(pass(?:word|wd|phrase)?|pwd|secret|token|key|credentials?)(["']?\s*(?:=|:|=>)\s*)(["']?)([^\s"'`,;&{}<>()[\]\\]{6,300})/gi,
    group: 4,
    valid: (value, m) => {
      const key = keyBefore(m.input, m.index + m[1]!.length).toLowerCase().replace(/[^a-z0-9]/g, '');
      if (!SECRET_KEY_SUFFIX.test(key) || NOT_SECRET_KEY.test(key)) return false;
      if (PLACEHOLDER.test(value) || value.startsWith('[redacted') || UUID.test(value) || EXAMPLE.test(value)) return false;
      if (/^[/.~]/.test(value) || /^https?:/.test(value) || /^\d+$/.test(value) || /^(\w)\1+$/.test(value)) return false;
      if (WEAK_KEYS.test(key)) return (value.length >= 6 && !/^[a-z]+$/.test(value)) || value.length >= 10;
      return value.length >= 12 && entropy(value) >= 3.2 && /\d|[A-Z]/.test(value) && /[a-z]/i.test(value);
    },
  },
];

export interface RedactResult {
  text: string;
  count: number;
  kinds: string[];
}

export function redactText(input: string): RedactResult {
  let text = input;
  let count = 0;
  const kinds: string[] = [];
  let lower: string | undefined;
  for (const d of DETECTORS) {
    if (d.pre && !d.pre.some((p) => text.includes(p))) continue;
    if (d.preLower) {
      lower ??= text.toLowerCase();
      if (!d.preLower.some((p) => lower!.includes(p))) continue;
    }
    d.re.lastIndex = 0;
    let changed = false;
    const next = text.replace(d.re, (...args) => {
      const groups = args.slice(0, -2) as string[];
      const whole = groups[0]!;
      const index = args[args.length - 2] as number;
      const secret = d.group ? groups[d.group] : whole;
      if (!secret) return whole;
      const exec = Object.assign([...groups], { index, input: text }) as unknown as RegExpExecArray;
      if (d.valid && !d.valid(secret, exec)) return whole;
      count++;
      changed = true;
      if (!kinds.includes(d.kind)) kinds.push(d.kind);
      const at = whole.lastIndexOf(secret);
      return whole.slice(0, at) + `[redacted:${d.kind}]` + whole.slice(at + secret.length);
    });
    if (changed) {
      text = next;
      lower = undefined;
    }
  }
  return { text, count, kinds };
}

/** Redacts every string inside MCP content items (text, resource text, structured JSON). */
export function redactValue(value: unknown, acc: { count: number; kinds: Set<string> }, depth = 0): unknown {
  if (typeof value === 'string') {
    if (value.length < 6) return value;
    const r = redactText(value);
    acc.count += r.count;
    r.kinds.forEach((k) => acc.kinds.add(k));
    return r.text;
  }
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, acc, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    // Binary payloads are not text and are not scanned.
    out[k] = k === 'data' || k === 'blob' ? v : redactValue(v, acc, depth + 1);
  }
  return out;
}
