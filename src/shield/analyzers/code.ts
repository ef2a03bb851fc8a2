/**
 * Inline interpreter code (`python -c`, `node -e`, `perl -e`, awk programs, heredocs into
 * `python -`). No full parser per language: the strings handed to process-spawning APIs
 * are analyzed as shell, and language-level file deletion, secret reads, network sends
 * and reverse shells are turned into equivalent commands so the same rules apply.
 */
import { lit, makeCmd, type Cmd } from './command.ts';
import type { EmitMeta } from './shell.nested.ts';
import { analyzeShell, type WalkCtx } from './shell.ts';
import { decodeEscapes } from './static.ts';

const STRING_RE = /'''([\s\S]*?)'''|"""([\s\S]*?)"""|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g;

const EXEC_CALL = /\b(?:os\.system|os\.popen|os\.exec\w*|subprocess\.\w+|commands\.getoutput|pty\.spawn|exec(?:Sync)?|execFile(?:Sync)?|spawn(?:Sync)?|system|popen|shell_exec|passthru|proc_open|IO\.popen|Open3\.\w+|qx)\s*[({]\s*(\[?)/g;
const DELETE_CALL = /\b(?:shutil\.rmtree|rmtree|os\.remove|os\.unlink|os\.rmdir|os\.removedirs|fs\.(?:rmSync|rm|rmdirSync|rmdir|unlinkSync|unlink)|fs\.promises\.rm|FileUtils\.rm_rf|FileUtils\.rm_r|FileUtils\.remove_dir|File\.delete|unlink|remove_tree|Path\([^)]*\)\.unlink)\s*\(\s*/g;
const NETWORK = /require\(\s*['"](?:https?|net|node:https?|node:net|axios|node-fetch)['"]\s*\)|\b(?:requests\.(?:post|put|get|patch)|urllib|urlopen|http\.client|httpx|fetch\s*\(|axios|https?\.request|net\.connect|socket\.|IO::Socket|LWP|Net::HTTP|HTTP::Tiny|curl_exec|fsockopen|TCPSocket|XMLHttpRequest)/;
const SOCKET = /\b(?:socket\.socket|socket\.create_connection|net\.Socket|net\.connect|IO::Socket::INET|fsockopen|TCPSocket\.new|socket\()/;
const SHELL_SPAWN = /\b(?:pty\.spawn|subprocess|os\.dup2|child_process|\/bin\/(?:ba)?sh|exec\s*\(|system\s*\(|proc_open)/;
const ENV_DUMP = /\b(?:dict\(\s*os\.environ\s*\)|os\.environ(?!\s*[[.(])|process\.env(?!\s*[.[])|JSON\.stringify\(\s*process\.env|%ENV|ENV\.to_h|getenv\(\s*\))/;
const URL_LITERAL = /\b(?:https?|ftp|gopher|file):\/\/[^\s'"`)]+/g;

function literals(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(STRING_RE)) {
    const s = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5];
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** The string (or list of strings) right after `pos` in `code`. */
function literalAt(code: string, pos: number, list: boolean): string | undefined {
  const tail = code.slice(pos, pos + 4000);
  if (list) {
    const end = tail.indexOf(']');
    const items = literals(end >= 0 ? tail.slice(0, end) : tail);
    return items.length ? items.join(' ') : undefined;
  }
  STRING_RE.lastIndex = 0;
  const m = STRING_RE.exec(tail);
  if (!m || tail.slice(0, m.index).trim().length > 0) return undefined;
  const s = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5];
  return s === undefined ? undefined : decodeEscapes(s);
}

function push(ctx: WalkCtx, meta: EmitMeta, program: string, args: string[], upstream: Cmd[] = []): Cmd {
  const cmd = makeCmd(program, args.map(lit), {
    text: meta.text,
    via: ctx.via,
    upstream: [...meta.upstream, ...upstream],
    origin: 'code',
    elevated: ctx.elevated,
    envValues: meta.envValues,
    ...(ctx.remote ? { remote: ctx.remote } : {}),
  });
  ctx.out.cmds.push(cmd);
  return cmd;
}

function homeFix(s: string): string {
  return /^\/\.(ssh|aws|kube|config|docker|gnupg|azure|netrc|git-credentials|pgpass)\b/.test(s) ? '~' + s : s;
}

export function analyzeCode(lang: string, code: string, meta: EmitMeta, ctx: WalkCtx): void {
  if (lang === 'awk') {
    for (const m of code.matchAll(/\bsystem\s*\(\s*"((?:[^"\\]|\\.)*)"/g)) analyzeShell(decodeEscapes(m[1]!), ctx);
    for (const m of code.matchAll(/"((?:[^"\\]|\\.)*)"\s*\|\s*getline/g)) analyzeShell(decodeEscapes(m[1]!), ctx);
    return;
  }
  // Strings handed to process-spawning APIs are shell commands (or argv lists).
  for (const m of code.matchAll(EXEC_CALL)) {
    const s = literalAt(code, (m.index ?? 0) + m[0].length, m[1] === '[');
    if (s) analyzeShell(s, ctx);
  }
  if (lang === 'perl' || lang === 'ruby' || lang === 'php') {
    for (const m of code.matchAll(/`([^`]+)`/g)) analyzeShell(m[1]!, ctx);
  }
  let deletes = false;
  for (const m of code.matchAll(DELETE_CALL)) {
    deletes = true;
    const s = literalAt(code, (m.index ?? 0) + m[0].length, false);
    if (s) push(ctx, meta, 'rm', ['-r', homeFix(s)]);
  }
  const strs = literals(code).map((s) => homeFix(decodeEscapes(s)));
  // Deletion built from a path (os.remove(os.path.join('/etc', f)) in a loop): every path literal is a candidate target.
  if (deletes) for (const s of strs) if (/^(\/|~)/.test(s) && !/\s/.test(s) && s.length < 512) push(ctx, meta, 'rm', ['-r', s]);
  const readers: Cmd[] = [];
  for (const s of strs) {
    if (/^(\/|~\/|\.\/|\.env)/.test(s) && s.length < 512 && !/\s/.test(s)) readers.push(push(ctx, meta, 'cat', [s]));
  }
  const network = NETWORK.test(code);
  if (ENV_DUMP.test(code)) readers.push(push(ctx, meta, 'env', []));
  if (SOCKET.test(code) && SHELL_SPAWN.test(code)) push(ctx, meta, '@reverse-shell', [lang]);
  if (network) {
    const urls = [...code.matchAll(URL_LITERAL)].map((m) => m[0]);
    push(ctx, meta, 'curl', urls.length ? urls : ['{code}'], readers);
  }
}
