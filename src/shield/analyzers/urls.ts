/**
 * URL and host classification for SSRF and exfiltration checks. Hosts are decoded the
 * way resolvers and HTTP clients decode them (decimal, hex and octal IPv4, IPv4-mapped
 * IPv6, trailing dots, userinfo tricks, wildcard DNS like nip.io) before classifying.
 */
export interface UrlInfo {
  url: string;
  scheme: string;
  host: string;
  classes: Set<string>;
}

const METADATA_HOSTS = new Set([
  '169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254',
  'metadata.google.internal', 'metadata.goog', 'metadata', 'metadata.azure.com', 'instance-data', 'instance-data.ec2.internal',
]);

function parseIpv4Part(p: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(p)) return parseInt(p.slice(2), 16);
  if (/^0[0-7]+$/.test(p)) return parseInt(p, 8);
  if (/^\d+$/.test(p)) return parseInt(p, 10);
  return undefined;
}

/** Canonical dotted IPv4 for any inet_aton spelling (2852039166, 0xA9FEA9FE, 0251.0376.0251.0376, 169.254.43518). */
export function canonicalIpv4(host: string): string | undefined {
  const parts = host.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums = parts.map(parseIpv4Part);
  if (nums.some((n) => n === undefined)) return undefined;
  const n = nums as number[];
  let value: number;
  if (n.length === 1) value = n[0]!;
  else if (n.length === 2) value = n[0]! * 2 ** 24 + n[1]!;
  else if (n.length === 3) value = n[0]! * 2 ** 24 + n[1]! * 2 ** 16 + n[2]!;
  else {
    if (n.some((x) => x > 255)) return undefined;
    value = n[0]! * 2 ** 24 + n[1]! * 2 ** 16 + n[2]! * 2 ** 8 + n[3]!;
  }
  if (!Number.isFinite(value) || value < 0 || value > 0xffffffff) return undefined;
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function classifyIpv4(ip: string, out: Set<string>): void {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  if (METADATA_HOSTS.has(ip)) out.add('metadata');
  if (a === 127 || a === 0) out.add('loopback');
  else if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) out.add('private');
  else if (a === 169 && b === 254) out.add('link-local');
}

export function classifyHost(rawHost: string): Set<string> {
  const out = new Set<string>();
  let host = rawHost.toLowerCase().replace(/\.+$/, '');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!host) return out;
  if (METADATA_HOSTS.has(host)) out.add('metadata');
  if (host.includes(':')) {
    const mapped = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host) ?? /^::(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) classifyIpv4(mapped[1]!, out);
    const hex = /^(?:0*:)*:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
    if (hex) {
      const v = parseInt(hex[1]!, 16) * 65536 + parseInt(hex[2]!, 16);
      classifyIpv4([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.'), out);
    }
    if (host === '::1' || /^(0+:){7}0*1$/.test(host) || host === '::') out.add('loopback');
    if (/^f[cd][0-9a-f]{2}:/.test(host)) out.add('private');
    if (/^fe[89ab][0-9a-f]:/.test(host)) out.add('link-local');
    return out;
  }
  const ip = canonicalIpv4(host);
  if (ip) {
    classifyIpv4(ip, out);
    return out;
  }
  // Wildcard DNS services that resolve to the address embedded in the name.
  const embedded = /(?:^|[.-])(\d{1,3}[.-]\d{1,3}[.-]\d{1,3}[.-]\d{1,3})\.(?:nip\.io|sslip\.io|xip\.io|localtest\.me)$/.exec(host);
  if (embedded) classifyIpv4(embedded[1]!.replace(/-/g, '.'), out);
  if (host === 'localhost' || host.endsWith('.localhost') || host === 'localtest.me' || host.endsWith('.localtest.me')) out.add('loopback');
  if (/\.(internal|local|localdomain|lan|intranet|corp|home\.arpa|cluster\.local|svc)$/.test(host) || !host.includes('.')) out.add('internal-name');
  return out;
}

const URL_RE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s]*)/i;

/** Parses what an HTTP client would treat as a URL; bare `host/path` counts when `bare` is set (curl, wget). */
export function parseUrl(raw: string, bare: boolean): UrlInfo | undefined {
  let s = raw.trim();
  if (!s || s.length > 8192) return undefined;
  let m = URL_RE.exec(s);
  if (!m) {
    if (!bare || s.startsWith('-') || s.startsWith('/') || s.startsWith('.') || s.startsWith('@')) return undefined;
    if (!/^[a-z0-9[\]:._-]+(:\d+)?(\/|$)/i.test(s) || !/[.:[]|^localhost/i.test(s.split('/')[0]!)) return undefined;
    s = 'http://' + s;
    m = URL_RE.exec(s);
    if (!m) return undefined;
  }
  const scheme = m[1]!.toLowerCase();
  let authority = m[2]!;
  // http://good.com@169.254.169.254/ goes to the host after the last '@'.
  authority = authority.slice(authority.lastIndexOf('@') + 1);
  let host = authority;
  if (host.startsWith('[')) host = host.slice(0, host.indexOf(']') + 1);
  else if (host.includes(':')) host = host.slice(0, host.lastIndexOf(':'));
  try {
    host = decodeURIComponent(host);
  } catch {
    /* keep as written */
  }
  const classes = scheme === 'file' ? new Set<string>(['file-scheme']) : classifyHost(host);
  if (['gopher', 'dict', 'ldap', 'tftp', 'jar', 'netdoc'].includes(scheme)) classes.add('odd-scheme');
  return { url: raw, scheme, host: host.replace(/^\[|\]$/g, '').toLowerCase(), classes };
}
