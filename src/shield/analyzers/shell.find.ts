/**
 * find and xargs: the commands they run (-exec, the xargs command line) are emitted with
 * what they will touch, i.e. find's root unless a name, age or size test narrows the walk.
 */
import { lit, type Cmd, type Word } from './command.ts';
import { emit, emitArgv, nestedCtx, type EmitMeta } from './shell.nested.ts';
import type { WalkCtx } from './shell.ts';
import { staticOutput } from './static.ts';

function findRoots(args: Word[]): string[] {
  const roots: string[] = [];
  for (const a of args) {
    if (a.text.startsWith('-') || a.text === '(' || a.text === '!') break;
    roots.push(a.text);
  }
  return roots.length ? roots : ['.'];
}

const NARROWING = new Set(['-name', '-iname', '-path', '-ipath', '-wholename', '-regex', '-iregex', '-newer', '-mtime', '-mmin', '-atime', '-amin', '-ctime', '-cmin', '-size', '-empty', '-user', '-group', '-perm', '-links', '-inum', '-samefile', '-lname']);

/** True when find's expression selects a subset (by name, age, size, ...) rather than everything under its roots. */
function findNarrowed(args: Word[]): boolean {
  for (let i = 0; i < args.length; i++) {
    if (!NARROWING.has(args[i]!.text)) continue;
    const v = args[i + 1]?.text ?? '';
    if (!/^['"]?\*['"]?$/.test(v)) return true;
  }
  return false;
}

/** What `{}` stands for: the root itself when nothing narrows the walk, otherwise matches below it. */
function findTarget(args: Word[]): string {
  const root = findRoots(args)[0]!;
  return findNarrowed(args) ? `${root.replace(/\/$/, '')}/{match}` : root;
}

export function findInvocation(args: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd[] {
  const self = emit('find', args, { ...meta, ...(findNarrowed(args) ? { impliedFlags: ['@narrowed'] } : {}) }, ctx);
  const root = findTarget(args);
  for (let i = 0; i < args.length; i++) {
    if (!/^-(exec|execdir|ok|okdir)$/.test(args[i]!.text)) continue;
    const sub: Word[] = [];
    let j = i + 1;
    for (; j < args.length && args[j]!.text !== ';' && args[j]!.text !== '+'; j++) {
      const w = args[j]!;
      sub.push(w.text.includes('{}') ? { text: w.text.replace(/\{\}/g, root), dyn: w.dyn } : w);
    }
    i = j;
    emitArgv(sub, { ...meta, stages: [], impliedFlags: ['-r', '-R', '--recursive'] }, nestedCtx(ctx, 'find -exec'));
  }
  return [self];
}

const XARGS_VALUE_OPTS = new Set(['-I', '-n', '-L', '-l', '-d', '-P', '-s', '-a', '-E', '-e', '--max-args', '--max-procs', '--delimiter', '--arg-file', '--replace', '--max-lines', '--max-chars', '--eof']);

export function xargsInvocation(args: Word[], meta: EmitMeta, ctx: WalkCtx): Cmd[] {
  let i = 0;
  let replace: string | undefined;
  for (; i < args.length; i++) {
    const w = args[i]!.text;
    if (w === '--') {
      i++;
      break;
    }
    if (XARGS_VALUE_OPTS.has(w)) {
      if (w === '-I' || w === '--replace') replace = args[i + 1]?.text;
      i++;
      continue;
    }
    if (w.startsWith('-I') && w.length > 2) replace = w.slice(2);
    if (!w.startsWith('-')) break;
  }
  const sub = args.slice(i);
  if (sub.length === 0) sub.push(lit('echo'));
  // Input lines become arguments; when a `find` feeds xargs, its root is what gets touched.
  const finder = [...meta.upstream].reverse().find((c) => c.program === 'find');
  const piped = meta.stages.length ? staticOutput(meta.stages)?.trim().split(/\s+/)[0] : undefined;
  const input: Word = piped ? lit(piped) : finder ? lit(findTarget(finder.args)) : { text: '{stdin}', dyn: true };
  const implied = finder ? ['-r', '-R', '--recursive'] : undefined;
  const words = replace ? sub.map((w) => (w.text.includes(replace!) ? { text: w.text.split(replace!).join(input.text), dyn: w.dyn || input.dyn } : w)) : [...sub, input];
  return emitArgv(words, { ...meta, stages: [], ...(implied ? { impliedFlags: implied } : {}) }, nestedCtx(ctx, 'xargs'));
}
