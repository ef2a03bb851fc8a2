/**
 * Static evaluation of simple producers (echo, printf, cat of a heredoc, base64 -d,
 * xxd -r, rev) so that `echo cm0gLXJmIC8= | base64 -d | sh` is analyzed as the
 * `rm -rf /` it runs. Returns undefined whenever the output is not knowable.
 */
import type { Cmd } from './command.ts';

export function decodeEscapes(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|0[0-7]{0,3}|[0-7]{1,3}|[abefnrtv\\'"])/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    const map: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };
    return map[e] ?? e;
  });
}

function decodeBase64(s: string): string | undefined {
  const clean = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean) || clean.length === 0) return undefined;
  const out = Buffer.from(clean.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  // Binary garbage is not a script.
  return /[\x00-\x08\x0e-\x1f]/.test(out) ? undefined : out;
}

/** Output of one command given its input; undefined when not statically known. */
function evalOne(cmd: Cmd, input: string | undefined): string | undefined {
  if (cmd.args.some((a) => a.dyn)) return undefined;
  const args = cmd.args.map((a) => a.text);
  const stdin = cmd.stdinText ?? input;
  switch (cmd.program) {
    case 'echo': {
      let i = 0;
      let escapes = false;
      let newline = true;
      while (i < args.length && /^-[neE]+$/.test(args[i]!)) {
        if (args[i]!.includes('e')) escapes = true;
        if (args[i]!.includes('n')) newline = false;
        i++;
      }
      const body = args.slice(i).join(' ');
      return (escapes ? decodeEscapes(body) : body) + (newline ? '\n' : '');
    }
    case 'printf': {
      const rest = args[0] === '--' ? args.slice(1) : args;
      if (rest.length === 0) return undefined;
      let vals = rest.slice(1);
      const fmt = decodeEscapes(rest[0]!).replace(/%[-0-9.]*[sbdc]/g, () => {
        const v = vals[0] ?? '';
        vals = vals.slice(1);
        return v.includes('\\') ? decodeEscapes(v) : v;
      });
      return fmt.replace(/%%/g, '%');
    }
    case 'cat':
      return args.length === 0 || args[0] === '-' ? stdin : undefined;
    case 'base64':
    case 'base32':
      if (!args.some((a) => /^(-d|-D|--decode|-di|-id)$/.test(a))) return undefined;
      return stdin === undefined || cmd.program === 'base32' ? undefined : decodeBase64(stdin);
    case 'xxd':
      if (!args.includes('-r') || stdin === undefined) return undefined;
      return Buffer.from(stdin.replace(/[^0-9a-fA-F]/g, ''), 'hex').toString('utf8');
    case 'rev':
      return stdin?.split('\n').map((l) => [...l].reverse().join('')).join('\n');
    case 'tr':
      if (stdin !== undefined && args.length === 2 && /^a-z(A-Z)?$/i.test(args[0]!) && /^n-za-m/i.test(args[1]!)) {
        return stdin.replace(/[a-z]/gi, (c) => {
          const base = c <= 'Z' ? 65 : 97;
          return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
        });
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Output of a pipeline prefix (stages in order). */
export function staticOutput(stages: Cmd[]): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < stages.length; i++) {
    out = evalOne(stages[i]!, i === 0 ? undefined : out);
    if (out === undefined) return undefined;
  }
  return out;
}
