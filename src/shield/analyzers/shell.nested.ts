/**
 * What a command runs besides itself. Wrappers (sudo, env, nohup, timeout, xargs, ...)
 * are peeled off; code handed to a shell or an interpreter (`bash -c`, `eval`, pipes
 * into `sh`, heredocs into `python -`, `ssh host '...'`, `find -exec`, `kubectl exec --`)
 * is analyzed again one level deeper. SQL handed to database clients is collected.
 */
import { lit, makeCmd, programName, type Cmd, type Redirect, type Word } from './command.ts';
import { analyzeCode } from './code.ts';
import { analyzeShell, checkBudget, type WalkCtx } from './shell.ts';
import { staticOutput } from './static.ts';
import { findInvocation, xargsInvocation } from './shell.find.ts';
import { collectSql } from './sql-clients.ts';

export interface EmitMeta {
  text: string;
  upstream: Cmd[];
  redirects: Redirect[];
  stdinText?: string;
  envValues: string[];
  stages: Cmd[];
  impliedFlags?: string[];
}

interface WrapperSpec {
  opts?: string[];
  skip?: number;
  elevate?: boolean;
  /** Option whose value is a shell command string (su -c). */
  code?: string[];
  assignments?: boolean;
  /** The wrapper itself matters to rules (chroot into a host root). */
  emitSelf?: boolean;
}

const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: { opts: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T', '--user', '--group', '--host', '--prompt', '--chdir', '--role', '--type', '--close-from', '--other-user', '--command-timeout'], elevate: true },
  doas: { opts: ['-u', '-C'], elevate: true },
  run0: { opts: ['-u', '--user', '-D'], elevate: true },
  pkexec: { opts: ['--user'], elevate: true },
  su: { opts: ['-s', '--shell', '-g', '-G', '-w'], elevate: true, code: ['-c', '--command'], skip: 1 },
  runuser: { opts: ['-u', '-g', '-G', '--user', '-s'], elevate: true, code: ['-c', '--command'] },
  env: { opts: ['-u', '--unset', '-C', '--chdir'], assignments: true },
  nohup: {}, setsid: {}, builtin: {}, unbuffer: {}, torsocks: {}, tsocks: {}, caffeinate: {}, catchsegv: {}, busybox: {},
  time: { opts: ['-f', '-o', '--format', '--output'] },
  exec: { opts: ['-a'] },
  command: {},
  nice: { opts: ['-n', '--adjustment'] },
  ionice: { opts: ['-c', '-n', '-p', '-t', '--class', '--classdata'] },
  timeout: { opts: ['-s', '-k', '--signal', '--kill-after'], skip: 1 },
  stdbuf: { opts: ['-i', '-o', '-e'] },
  chroot: { opts: ['--userspec', '--groups'], skip: 1, emitSelf: true },
  taskset: { skip: 1 },
  chrt: { skip: 1 },
  strace: { opts: ['-o', '-p', '-e', '-s', '-u', '-E', '-P'] },
  ltrace: { opts: ['-o', '-p', '-e', '-s', '-u'] },
  proxychains: { opts: ['-f'] },
  proxychains4: { opts: ['-f'] },
  flock: { opts: ['-w', '-E', '--timeout', '--conflict-exit-code'], skip: 1, code: ['-c', '--command'] },
  sg: { skip: 1, code: ['-c'] },
  watch: { opts: ['-n', '--interval', '-d', '-q'] },
};

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'fish', 'rbash', 'tcsh', 'csh']);
const INTERPRETERS: Record<string, { code: string[]; opts?: string[] }> = {
  python: { code: ['-c'], opts: ['-m', '-W', '-X', '-Q'] },
  node: { code: ['-e', '--eval', '-p', '--print'], opts: ['-r', '--require', '--import', '--loader'] },
  bun: { code: ['-e', '--eval', '-p', '--print'] },
  perl: { code: ['-e', '-E'], opts: ['-I', '-M', '-m'] },
  ruby: { code: ['-e'], opts: ['-I', '-r'] },
  php: { code: ['-r'], opts: ['-c', '-d'] },
  lua: { code: ['-e'], opts: ['-l'] },
  osascript: { code: ['-e'] },
  awk: { code: [], opts: ['-F', '-v', '-f'] },
};

function interpreterOf(program: string): string | undefined {
  if (/^python[0-9.]*$|^pypy[0-9.]*$/.test(program)) return 'python';
  if (program === 'nodejs') return 'node';
  if (program === 'luajit') return 'lua';
  if (/^(g|m|n)?awk$/.test(program)) return 'awk';
  return program in INTERPRETERS ? program : undefined;
}

export function nestedCtx(ctx: WalkCtx, via: string, extra: Partial<WalkCtx> = {}): WalkCtx {
  return { ...ctx, vars: new Map(ctx.vars), depth: ctx.depth + 1, via: [...ctx.via, via], ...extra };
}

export function emit(program: string, words: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd {
  checkBudget(ctx);
  const cmd = makeCmd(program, words, {
    text: meta.text,
    via: ctx.via,
    upstream: meta.upstream,
    redirects: meta.redirects,
    origin: ctx.origin,
    elevated: ctx.elevated,
    envValues: meta.envValues,
    ...(ctx.remote ? { remote: ctx.remote } : {}),
    ...(meta.impliedFlags ? { impliedFlags: meta.impliedFlags } : {}),
    ...(meta.stdinText !== undefined ? { stdinText: meta.stdinText } : {}),
  });
  ctx.out.cmds.push(cmd);
  return cmd;
}

/** Code whose text is not knowable here (eval "$X", bash <(curl ...), curl | sh) becomes an `@exec-code` command. */
function execUnknown(meta: EmitMeta, ctx: WalkCtx, how: string): Cmd[] {
  return [emit('@exec-code', [lit(how)], meta, ctx)];
}

export function runCode(code: Word | string | undefined, meta: EmitMeta, ctx: WalkCtx, via: string, extra: Partial<WalkCtx> = {}): Cmd[] {
  if (code === undefined) return execUnknown(meta, ctx, via);
  const w = typeof code === 'string' ? lit(code) : code;
  if (w.dyn) return execUnknown(meta, ctx, via);
  return analyzeShell(w.text, nestedCtx(ctx, via, extra), { upstream: meta.upstream, redirects: meta.redirects, stages: [] });
}

/** Code arriving on stdin: a heredoc, a here-string or a static pipeline prefix. */
export function stdinCode(meta: EmitMeta): string | undefined {
  if (meta.stdinText !== undefined) return meta.stdinText;
  if (meta.stages.length > 0) return staticOutput(meta.stages);
  return undefined;
}

function hasStdin(meta: EmitMeta): boolean {
  return meta.stdinText !== undefined || meta.stages.length > 0 || meta.redirects.some((r) => r.dir === 'in');
}

export function emitArgv(words: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd[] {
  const head = words[0];
  if (!head) return [];
  if (head.dyn) return [emit('@dynamic-command', words, meta, ctx)];
  const program = programName(head.text);
  const rest = words.slice(1);

  const wrapper = WRAPPERS[program];
  if (wrapper) return peelWrapper(program, wrapper, words, meta, ctx);
  if (SHELLS.has(program)) return shellInvocation(program, rest, meta, ctx);
  if (program === 'eval') return rest.length ? runCode(joinWords(rest), meta, ctx, 'eval') : [];
  if (program === 'source' || program === '.') {
    if (rest[0]?.dyn) return execUnknown(meta, ctx, program);
    return [emit(program, rest, meta, ctx)];
  }
  const interp = interpreterOf(program);
  if (interp) return interpreterInvocation(program, interp, rest, meta, ctx);
  switch (program) {
    case 'ssh':
      return sshInvocation(rest, meta, ctx);
    case 'find':
      return findInvocation(rest, meta, ctx);
    case 'git':
      return gitInvocation(rest, meta, ctx);
    case 'xargs':
      return xargsInvocation(rest, meta, ctx);
    case 'kubectl':
    case 'oc': {
      const self = emit(program, rest, meta, ctx);
      const dd = rest.findIndex((w) => w.text === '--');
      if (rest[0]?.text === 'exec' || rest.some((w) => w.text === 'exec')) {
        const { stdinText: _drop, ...outer } = meta;
        if (dd >= 0) emitArgv(rest.slice(dd + 1), { ...outer, stages: [] }, nestedCtx(ctx, `${program} exec`));
      }
      return [self];
    }
    case 'docker':
    case 'podman':
      return containerInvocation(program, rest, meta, ctx);
    case 'psql':
    case 'mysql':
    case 'mariadb':
    case 'sqlite3':
    case 'clickhouse-client':
    case 'cockroach':
    case 'duckdb':
      collectSql(program, rest, meta, ctx);
      return [emit(program, rest, meta, ctx)];
    default:
      return [emit(program, rest, meta, ctx)];
  }
}

function joinWords(words: Word[]): Word {
  return { text: words.map((w) => w.text).join(' '), dyn: words.some((w) => w.dyn) };
}

function peelWrapper(program: string, spec: WrapperSpec, words: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd[] {
  if (spec.emitSelf) emit(program, words.slice(1), meta, ctx);
  const opts = new Set(spec.opts ?? []);
  const codeOpts = new Set(spec.code ?? []);
  const envValues = [...meta.envValues];
  let i = 1;
  let code: Word | undefined;
  let interactive = false;
  for (; i < words.length; i++) {
    const w = words[i]!.text;
    if (w === '--') {
      i++;
      break;
    }
    if (program === 'command' && (w === '-v' || w === '-V')) return [];
    if (w.startsWith('-') && w.length > 1) {
      if (codeOpts.has(w)) {
        code = words[i + 1];
        i++;
        continue;
      }
      if (opts.has(w)) {
        i++;
        continue;
      }
      if (/^-[a-zA-Z]*[is][a-zA-Z]*$/.test(w) && (program === 'sudo' || program === 'doas')) interactive = true;
      if (program === 'su' && (w === '-' || w === '-l' || w === '--login')) continue;
      continue;
    }
    if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) {
      envValues.push(w);
      continue;
    }
    break;
  }
  let rest = words.slice(i);
  if (spec.skip) rest = rest.slice(spec.skip);
  const elevated = ctx.elevated || !!spec.elevate;
  const inner = { ...ctx, elevated, via: [...ctx.via, program] };
  const innerMeta = { ...meta, envValues };
  if (code) return runCode(code, innerMeta, { ...inner, via: ctx.via }, `${program} -c`, { elevated });
  if (program === 'watch') return rest.length ? runCode(joinWords(rest), innerMeta, ctx, 'watch') : [];
  if (rest.length === 0) {
    if (interactive || program === 'su') return shellInvocation('bash', [], innerMeta, inner);
    // Bare `env` prints the environment.
    if (program === 'env') return [emit('env', [], meta, ctx)];
    return [];
  }
  return emitArgv(rest, innerMeta, inner);
}

function shellInvocation(program: string, args: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd[] {
  let cFlag = false;
  let sFlag = false;
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i]!.text;
    if (w === '--') {
      i++;
      break;
    }
    if (/^[-+]o$/.test(w) || w === '--rcfile' || w === '--init-file') {
      i++;
      continue;
    }
    if (/^[-+][a-zA-Z]+$/.test(w)) {
      if (w.startsWith('-') && w.includes('c')) cFlag = true;
      if (w.startsWith('-') && w.includes('s')) sFlag = true;
      continue;
    }
    if (w.startsWith('--')) continue;
    break;
  }
  const positional = args[i];
  if (cFlag) return runCode(positional, meta, ctx, `${program} -c`);
  // With -s the script comes from stdin and the remaining words are its arguments.
  if (positional && !sFlag && positional.text !== '-' && positional.text !== '/dev/stdin') {
    if (positional.dyn) return execUnknown(meta, ctx, `${program} <(...)`);
    return [emit(program, args, meta, ctx)];
  }
  if (!hasStdin(meta)) return [emit(program, args, meta, ctx)];
  const code = stdinCode(meta);
  if (code !== undefined) return runCode(code, { ...meta, stages: [] }, ctx, `${program} <stdin>`);
  return execUnknown(meta, ctx, `${program} <stdin>`);
}

function interpreterInvocation(program: string, lang: string, args: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd[] {
  const spec = INTERPRETERS[lang]!;
  const self = emit(program, args, meta, ctx);
  let code: Word | undefined;
  let script: Word | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!.text;
    if (spec.code.includes(w) || (lang === 'perl' && /^-[a-zA-Z]*[eE]$/.test(w)) || (lang === 'python' && /^-[a-zA-Z]*c$/.test(w))) {
      code = args[i + 1];
      break;
    }
    if (spec.opts?.includes(w)) {
      if (w === '-m' && lang === 'python') return [self];
      i++;
      continue;
    }
    if (w.startsWith('-') && w !== '-') continue;
    if (lang === 'awk' && !args.some((a) => a.text === '-f')) code = args[i];
    else script = args[i];
    break;
  }
  if (lang === 'node' && args[0]?.text === 'eval') code = args[1];
  if (code) {
    if (code.dyn) return execUnknown(meta, ctx, `${program} -c`);
    analyzeCode(lang, code.text, meta, nestedCtx(ctx, `${program} -c`, { origin: 'code' }));
    return [self];
  }
  if (script && script.text !== '-') {
    if (script.dyn) return execUnknown(meta, ctx, `${program} <(...)`);
    return [self];
  }
  if (!hasStdin(meta)) return [self];
  const fromStdin = stdinCode(meta);
  if (fromStdin === undefined) return execUnknown(meta, ctx, `${program} <stdin>`);
  analyzeCode(lang, fromStdin, meta, nestedCtx(ctx, `${program} <stdin>`, { origin: 'code' }));
  return [self];
}

const SSH_VALUE_OPTS = new Set(['-b', '-c', '-D', '-E', '-e', '-F', '-I', '-i', '-J', '-L', '-l', '-m', '-O', '-o', '-p', '-Q', '-R', '-S', '-W', '-w', '-B']);

function sshInvocation(args: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd[] {
  const self = emit('ssh', args, meta, ctx);
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i]!.text;
    if (SSH_VALUE_OPTS.has(w)) i++;
    else if (!w.startsWith('-')) break;
  }
  const host = args[i]?.text;
  const remoteWords = args.slice(i + 1);
  if (!host) return [self];
  const remote = host.replace(/^[^@]*@/, '');
  if (remoteWords.length) runCode(joinWords(remoteWords), meta, ctx, `ssh ${remote}`, { remote });
  else if (hasStdin(meta)) {
    const code = stdinCode(meta);
    if (code !== undefined) runCode(code, { ...meta, stages: [] }, ctx, `ssh ${remote}`, { remote });
    else if (meta.stages.length) execUnknown(meta, ctx, `ssh ${remote} <stdin>`);
  }
  return [self];
}

/** git settings whose value is a shell command: `git -c alias.x='!cmd' x`, core.sshCommand, core.pager, ... */
const GIT_SHELL_CONFIG = /^(alias\.[^=]+=!|core\.(sshcommand|pager|editor|fsmonitor)=|sequence\.editor=|diff\.[^=]*\.(textconv|command)=|filter\.[^=]*\.(clean|smudge|process)=|credential\.helper=!|uploadpack\.packobjectshook=)/i;

function gitInvocation(args: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd[] {
  const self = emit('git', args, meta, ctx);
  const configValues: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i]!.text === '-c' && args[i + 1]) configValues.push(args[i + 1]!.text);
  }
  // git config alias.x '!cmd' stores a command that runs later.
  const cfg = args.findIndex((w) => w.text === 'config');
  if (cfg >= 0) {
    const kv = args.slice(cfg + 1).filter((w) => !w.text.startsWith('-'));
    if (kv.length >= 2) configValues.push(`${kv[0]!.text}=${kv[1]!.text}`);
  }
  for (const v of configValues) {
    const m = GIT_SHELL_CONFIG.exec(v);
    if (m) runCode(v.slice(m[0].length), meta, ctx, 'git config');
  }
  return [self];
}

const DOCKER_EXEC_VALUE_OPTS = new Set(['-e', '--env', '-u', '--user', '-w', '--workdir', '--env-file', '--detach-keys']);

function containerInvocation(program: string, args: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd[] {
  const self = emit(program, args, meta, ctx);
  const execAt = args.findIndex((w) => w.text === 'exec');
  if (execAt < 0 || args.slice(0, execAt).some((w) => !w.text.startsWith('-'))) return [self];
  let i = execAt + 1;
  for (; i < args.length; i++) {
    const w = args[i]!.text;
    if (DOCKER_EXEC_VALUE_OPTS.has(w)) i++;
    else if (!w.startsWith('-')) break;
  }
  const inner = args.slice(i + 1);
  if (inner.length) emitArgv(inner, { ...meta, stages: [] }, nestedCtx(ctx, `${program} exec`));
  return [self];
}
