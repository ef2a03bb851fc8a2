import { isIP } from 'node:net';

/**
 * Addresses a client metadata URL must not reach: loopback, private, link-local (cloud
 * metadata at 169.254.169.254), CGNAT, multicast, unspecified, and their IPv6 forms.
 */
export function isPrivateAddress(addr: string): boolean {
  const v = isIP(addr);
  if (v === 4) return privateV4(addr);
  if (v === 6) {
    const a = addr.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    if (mapped) return privateV4(mapped[1]!);
    if (a === '::' || a === '::1') return true;
    const first = parseInt(a.split(':')[0] || '0', 16);
    if ((first & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
    if ((first & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
    if ((first & 0xff00) === 0xff00) return true; // multicast
    if (a.startsWith('64:ff9b:')) return true; // NAT64 can reach IPv4 private space
    return false;
  }
  return true;
}

function privateV4(addr: string): boolean {
  const [a, b] = addr.split('.').map(Number) as [number, number, number, number];
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 198 && (b === 18 || b === 19)) || a >= 224;
}
