/**
 * Redaction of known secret values (pure). Every injected value is searched for in the
 * forms it commonly takes on its way back: as is, JSON-escaped (up to three levels deep, and with
 * \u escapes), base64 and base64url (whole, and the three byte alignments it has inside a
 * longer encoded text), hex (both cases) and URL-encoded (both percent cases, and form
 * encoding). A match becomes `[secret:NAME]`.
 */
export interface KnownSecret {
  name: string;
  value: string;
}

/** Derived encodings shorter than this are too likely to occur by chance to redact. */
const MIN_DERIVED = 6;
const MIN_RAW = 4;

function b64Cores(bytes: Buffer, url: boolean): string[] {
  const out: string[] = [];
  const enc = (b: Buffer) => (url ? b.toString('base64url') : b.toString('base64').replace(/=+$/, ''));
  out.push(url ? bytes.toString('base64url') : bytes.toString('base64'));
  for (let j = 0; j < 3; j++) {
    const len = Math.floor((bytes.length - j) / 3) * 3;
    if (len > 0) out.push(enc(bytes.subarray(j, j + len)));
  }
  return out;
}

/** The forms of one value that are searched for. */
export function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const json = JSON.stringify(value).slice(1, -1);
  const asciiJson = json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const url = encodeURIComponent(value);
  // JSON inside JSON inside JSON (a tool's text that quotes a JSON string) escapes again at every level.
  const json2 = JSON.stringify(json).slice(1, -1);
  const derived = [
    json,
    asciiJson,
    json2,
    JSON.stringify(json2).slice(1, -1),
    ...b64Cores(bytes, false),
    ...b64Cores(bytes, true),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    url,
    url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    url.replace(/%20/g, '+'),
    encodeURI(value),
  ];
  const out = new Set<string>();
  if (value.length >= MIN_RAW) out.add(value);
  for (const d of derived) if (d.length >= MIN_DERIVED) out.add(d);
  return [...out];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class SecretRedactor {
  /** Longest searched form, in UTF-16 units: a streaming redactor holds back one less. */
  readonly maxLength: number;
  private readonly re: RegExp | undefined;
  private readonly names = new Map<string, string>();
  private readonly secrets: KnownSecret[];
  private binary: SecretRedactor | undefined;

  constructor(secrets: Iterable<KnownSecret>) {
    this.secrets = [...secrets];
    for (const s of this.secrets) for (const e of encodings(s.value)) if (!this.names.has(e)) this.names.set(e, s.name);
    const forms = [...this.names.keys()].sort((a, b) => b.length - a.length);
    this.maxLength = forms[0]?.length ?? 0;
    // Longest first, so at any position the longest form wins (alternation is ordered).
    this.re = forms.length ? new RegExp(forms.map(escapeRe).join('|'), 'g') : undefined;
  }

  get empty(): boolean {
    return this.re === undefined;
  }

  private label(form: string): string {
    return `[secret:${this.names.get(form) ?? '?'}]`;
  }

  redact(text: string): string {
    if (!this.re) return text;
    this.re.lastIndex = 0;
    return text.replace(this.re, (m) => this.label(m));
  }

  /**
   * Redacts base64 content (an image's `data`, a resource's `blob`) inside its bytes and
   * re-encodes it, so the field stays valid base64. If an encoded form is still there
   * afterwards (base64 of base64, say), the whole field is replaced.
   */
  redactBase64(data: string): string {
    if (!this.re || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return this.redact(data);
    this.binary ??= new SecretRedactor(this.secrets.map((s) => ({ name: s.name, value: Buffer.from(s.value, 'utf8').toString('latin1') })));
    const text = Buffer.from(data, 'base64').toString('latin1');
    const out = this.binary.redact(text);
    const encoded = out === text ? data : Buffer.from(out, 'latin1').toString('base64');
    return this.redact(encoded) === encoded ? encoded : Buffer.from('[secret:redacted]').toString('base64');
  }

  /** Redacts every string (keys included) in a JSON-like value; returns the same object when nothing matched. */
  redactJson<T>(value: T, depth = 0, key?: string): T {
    if (!this.re) return value;
    if (typeof value === 'string') return ((key === 'data' || key === 'blob') ? this.redactBase64(value) : this.redact(value)) as T;
    if (depth > 64 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const r = this.redactJson(v, depth + 1);
        if (r !== v) changed = true;
        return r;
      });
      return (changed ? out : value) as T;
    }
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const rk = this.redact(k);
      const rv = this.redactJson(v, depth + 1, k);
      if (rk !== k || rv !== v) changed = true;
      out[rk] = rv;
    }
    return (changed ? out : value) as T;
  }

  /** Every match in `text` as [start, end, replacement], left to right (for the streaming redactor). */
  *matches(text: string): Generator<[number, number, string]> {
    if (!this.re) return;
    const re = new RegExp(this.re.source, 'g');
    for (let m = re.exec(text); m; m = re.exec(text)) yield [m.index, m.index + m[0].length, this.label(m[0])];
  }
}

/**
 * Redacts a text stream (SSE data, a child's stdout) chunk by chunk. It holds back the
 * last `maxLength - 1` characters, so a value split across chunks is still found: any
 * match that starts before the held tail is complete in the buffer, because a form is
 * at most `maxLength` long. Feed it decoded text (a StringDecoder or setEncoding('utf8')),
 * and call `end()` when the stream ends.
 */
export class StreamingRedactor {
  private held = '';

  constructor(private readonly redactor: SecretRedactor) {}

  push(chunk: string): string {
    const buf = this.held + chunk;
    let cut = Math.max(0, buf.length - Math.max(0, this.redactor.maxLength - 1));
    let out = '';
    let last = 0;
    for (const [start, end, label] of this.redactor.matches(buf)) {
      if (start >= cut) break;
      out += buf.slice(last, start) + label;
      last = end;
      if (end > cut) cut = end;
    }
    out += buf.slice(last, cut);
    this.held = buf.slice(cut);
    return out;
  }

  end(): string {
    const rest = this.redactor.redact(this.held);
    this.held = '';
    return rest;
  }
}
