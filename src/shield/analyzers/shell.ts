/**
 * Walks a tree-sitter-bash syntax tree and turns it into commands (see command.ts).
 * Words are resolved the way bash would resolve them where that is knowable: quotes
 * removed, concatenations joined, variables assigned earlier in the script substituted,
 * `$(...)` evaluated when its output is static. Commands inside substitutions run, so
 * they are emitted too; heredoc bodies and quoted text stay data unless a shell or an
 * interpreter reads them (shell.nested.ts decides that).
 */
import { lit, type Cmd, type Redirect, type SqlInput, type Word } from './command.ts';
import { emitArgv } from './shell.nested.ts';
import { withTree, type SyntaxNode } from './shell.parser.ts';
import { decodeEscapes, staticOutput } from './static.ts';
import type { ShieldReason } from '../types.ts';

export interface ShellOut {
  cmds: Cmd[];
  sqls: SqlInput[];
  errors: ShieldReason[];
}

export interface WalkCtx {
  out: ShellOut;
  vars: Map<string, string>;
  depth: number;
  via: string[];
  remote?: string;
  elevated: boolean;
  origin: 'shell' | 'code' | 'tool';
  deadline: number;
}

export interface IO {
  upstream: Cmd[];
  redirects: Redirect[];
  stdinText?: string;
  /** Primary commands of the earlier stages of the current pipeline, in order. */
  stages: Cmd[];
}

export class ShieldLimitError extends Error {
  constructor(readonly rule: string, message: string) {
    super(message);
  }
}

export const MAX_DEPTH = 8;
const MAX_CMDS = 3000;
const MAX_SRC = 100_000;

export function checkBudget(ctx: WalkCtx): void {
  if (ctx.out.cmds.length > MAX_CMDS) throw new ShieldLimitError('shield.too-complex', 'too many commands to analyze');
  if (performance.now() > ctx.deadline) throw new ShieldLimitError('shield.timeout', 'analysis time budget exceeded');
}

/** Parses and walks shell source; returns the primary commands of its last statement. */
export function analyzeShell(src: string, ctx: WalkCtx, io: IO = { upstream: [], redirects: [], stages: [] }): Cmd[] {
  if (ctx.depth > MAX_DEPTH) throw new ShieldLimitError('shield.nesting-depth', `code nested more than ${MAX_DEPTH} levels deep`);
  if (src.length > MAX_SRC) throw new ShieldLimitError('shield.too-large', `command of ${src.length} characters is too large to analyze`);
  return withTree(src, (root) => {
    if (root.hasError) {
      ctx.out.errors.push({ rule: 'shell.parse-error', severity: 'medium', message: 'shell syntax could not be fully parsed', match: src.slice(0, 120) });
    }
    return walk(root, ctx, io);
  });
}

function walk(node: SyntaxNode, ctx: WalkCtx, io: IO): Cmd[] {
  checkBudget(ctx);
  switch (node.type) {
    case 'command':
      return walkCommand(node, ctx, io);
    case 'pipeline': {
      let stages: Cmd[] = [...io.stages];
      let upstream = [...io.upstream];
      let first = true;
      for (const child of node.namedChildren) {
        if (!child) continue;
        const produced = walk(child, ctx, { upstream, redirects: [], stages, ...(first && io.stdinText !== undefined ? { stdinText: io.stdinText } : {}) });
        first = false;
        upstream = [...upstream, ...produced];
        stages = [...stages, ...produced.slice(-1)];
      }
      return stages.slice(io.stages.length);
    }
    case 'redirected_statement': {
      const body = node.childForFieldName('body');
      const redirects = [...io.redirects];
      let stdinText = io.stdinText;
      const subs: Cmd[] = [];
      for (const r of node.childrenForFieldName('redirect')) {
        if (r) stdinText = collectRedirect(r, ctx, redirects, subs) ?? stdinText;
      }
      if (!body) return [];
      return walk(body, ctx, { ...io, upstream: [...io.upstream, ...subs], redirects, ...(stdinText !== undefined ? { stdinText } : {}) });
    }
    case 'variable_assignment':
      assign(node, ctx, []);
      return [];
    case 'declaration_command':
      for (const c of node.namedChildren) if (c?.type === 'variable_assignment') assign(c, ctx, []);
      return [];
    case 'function_definition': {
      const name = node.childForFieldName('name')?.text ?? '';
      const body = node.childForFieldName('body');
      if (name && body && selfPiped(name, body.text)) {
        ctx.out.cmds.push({ program: '@fork-bomb', args: [lit(name)], text: node.text.slice(0, 120), via: ctx.via, upstream: [], redirects: [], origin: ctx.origin, elevated: ctx.elevated, envValues: [] });
      }
      return body ? walk(body, ctx, io) : [];
    }
    case 'for_statement': {
      const variable = node.childForFieldName('variable')?.text;
      const body = node.childForFieldName('body');
      const values = node.childrenForFieldName('value').filter((v): v is SyntaxNode => !!v).map((v) => resolveWord(v, ctx, []));
      if (!body) return [];
      if (!variable || values.length === 0) return walk(body, ctx, io);
      let out: Cmd[] = [];
      const saved = ctx.vars.get(variable);
      for (const v of values.slice(0, 8)) {
        if (v.dyn) ctx.vars.delete(variable);
        else ctx.vars.set(variable, v.text);
        out = walk(body, ctx, io);
      }
      if (saved === undefined) ctx.vars.delete(variable);
      else ctx.vars.set(variable, saved);
      return out;
    }
    case 'comment':
    case 'heredoc_body':
      return [];
    case 'command_substitution':
    case 'process_substitution':
      return walkChildren(node, ctx, { upstream: [], redirects: [], stages: [] });
    default:
      return walkChildren(node, ctx, io);
  }
}

function walkChildren(node: SyntaxNode, ctx: WalkCtx, io: IO): Cmd[] {
  let out: Cmd[] = [];
  for (const child of node.namedChildren) {
    if (child) out = walk(child, ctx, io);
  }
  return out;
}

function selfPiped(name: string, body: string): boolean {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w])${n}\\s*\\|\\s*${n}([^\\w]|$)`).test(body);
}

function assign(node: SyntaxNode, ctx: WalkCtx, subs: Cmd[]): { name: string; value: Word | undefined } {
  const name = node.childForFieldName('name')?.text ?? '';
  const valueNode = node.childForFieldName('value');
  const value = valueNode ? resolveWord(valueNode, ctx, subs) : lit('');
  if (name) {
    if (value.dyn) ctx.vars.delete(name);
    else ctx.vars.set(name, value.text);
  }
  return { name, value };
}

const REDIRECT_OPS_IN = new Set(['<', '<>', '<&']);

/** Records a redirect; returns the static stdin text for heredocs and here-strings. */
function collectRedirect(r: SyntaxNode, ctx: WalkCtx, redirects: Redirect[], subs: Cmd[]): string | undefined {
  if (r.type === 'file_redirect') {
    const op = r.children.find((c) => c && !c.isNamed)?.text ?? '>';
    const dest = r.childForFieldName('destination');
    if (!dest || dest.type === 'number' || (op.includes('&') && /^\d+$|^-$/.test(dest.text))) return undefined;
    const w = resolveWord(dest, ctx, subs);
    redirects.push({ dir: REDIRECT_OPS_IN.has(op) ? 'in' : 'out', target: w.text });
    return undefined;
  }
  if (r.type === 'herestring_redirect') {
    const v = r.namedChildren.find((c) => c && c.type !== 'file_descriptor');
    if (!v) return undefined;
    const w = resolveWord(v, ctx, subs);
    return w.dyn ? undefined : w.text + '\n';
  }
  if (r.type === 'heredoc_redirect') {
    let body: string | undefined;
    for (const c of r.namedChildren) {
      if (!c) continue;
      if (c.type === 'heredoc_body') {
        body = c.text;
        // Substitutions in an unquoted heredoc run even when the body is only written to a file.
        for (const s of c.descendantsOfType(['command_substitution'])) if (s) subs.push(...walk(s, ctx, { upstream: [], redirects: [], stages: [] }));
      } else if (c.type === 'file_redirect') collectRedirect(c, ctx, redirects, subs);
    }
    if (body !== undefined && r.text.startsWith('<<-')) body = body.replace(/^\t+/gm, '');
    return body;
  }
  return undefined;
}

function walkCommand(node: SyntaxNode, ctx: WalkCtx, io: IO): Cmd[] {
  const words: Word[] = [];
  const subs: Cmd[] = [];
  const envValues: string[] = [];
  const assigned: Array<{ name: string; value: Word | undefined }> = [];
  const redirects = [...io.redirects];
  let stdinText = io.stdinText;
  for (const child of node.namedChildren) {
    if (!child) continue;
    switch (child.type) {
      case 'variable_assignment': {
        const before = ctx.vars.size;
        const a = assign(child, ctx, subs);
        assigned.push(a);
        if (a.value) envValues.push(a.name + '=' + a.value.text);
        void before;
        break;
      }
      case 'file_redirect':
      case 'herestring_redirect':
      case 'heredoc_redirect':
        stdinText = collectRedirect(child, ctx, redirects, subs) ?? stdinText;
        break;
      case 'command_name': {
        const inner = child.firstNamedChild;
        if (inner) words.push(resolveWord(inner, ctx, subs));
        break;
      }
      case 'comment':
        break;
      default:
        words.push(resolveWord(child, ctx, subs));
    }
  }
  if (words.length === 0) return subs.slice(-1);
  return emitArgv(words, {
    text: node.text.slice(0, 300),
    upstream: [...io.upstream, ...subs],
    redirects,
    ...(stdinText !== undefined ? { stdinText } : {}),
    envValues,
    stages: io.stages,
  }, ctx);
}

function unescapeWord(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/gs, '$1') : s;
}

function unescapeDq(s: string): string {
  return s.includes('\\') ? s.replace(/\\([$`"\\\n])/g, '$1') : s;
}

function lookupVar(name: string, ctx: WalkCtx): Word {
  if (name === 'HOME') return lit('$HOME');
  const v = ctx.vars.get(name);
  return v !== undefined ? lit(v) : { text: '$' + name, dyn: true };
}

export function resolveWord(n: SyntaxNode, ctx: WalkCtx, subs: Cmd[]): Word {
  switch (n.type) {
    case 'word':
      return lit(unescapeWord(n.text));
    case 'number':
      return lit(n.text);
    case 'raw_string':
      return lit(n.text.slice(1, -1));
    case 'ansi_c_string':
      return lit(decodeEscapes(n.text.slice(2, -1)));
    case 'string':
    case 'translated_string':
    case 'concatenation': {
      let text = '';
      let dyn = false;
      for (const c of n.children) {
        if (!c) continue;
        if (c.type === 'string_content') text += unescapeDq(c.text);
        else if (c.type === '"' || c.type === '$"') continue;
        else if (!c.isNamed) text += c.text;
        else {
          const w = resolveWord(c, ctx, subs);
          text += w.text;
          dyn ||= w.dyn;
        }
      }
      return { text, dyn };
    }
    case 'simple_expansion': {
      const name = n.namedChildren[0]?.text ?? '';
      return lookupVar(name, ctx);
    }
    case 'expansion': {
      const named = n.namedChildren.filter((c): c is SyntaxNode => !!c);
      const vn = named[0];
      if (!vn || vn.type !== 'variable_name') return { text: n.text, dyn: true };
      const v = lookupVar(vn.text, ctx);
      if (named.length === 1 || !v.dyn) return v;
      // ${X:-default} with X unknown: assume the default, the case that bites (rm -rf ${DIR:-/}).
      const op = n.childForFieldName('operator')?.text ?? '';
      if (op.includes('-') || op.includes('=')) {
        const d = named[1];
        if (d) return resolveWord(d, ctx, subs);
      }
      return { text: n.text, dyn: true };
    }
    case 'command_substitution': {
      const before = ctx.out.cmds.length;
      const stages = walkChildren(n, ctx, { upstream: [], redirects: [], stages: [] });
      subs.push(...ctx.out.cmds.slice(before));
      const s = staticOutput(stages);
      return s !== undefined ? lit(s.replace(/\n+$/, '')) : { text: n.text, dyn: true };
    }
    case 'process_substitution': {
      const before = ctx.out.cmds.length;
      walkChildren(n, ctx, { upstream: [], redirects: [], stages: [] });
      subs.push(...ctx.out.cmds.slice(before));
      return { text: '/dev/fd/63', dyn: true };
    }
    default:
      return { text: n.text, dyn: /[$`]/.test(n.text) };
  }
}
