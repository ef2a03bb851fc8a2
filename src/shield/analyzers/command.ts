/**
 * The command model every analyzer produces and every rule reads: a program with its
 * resolved words, where it came from (nesting, wrappers), what feeds its input and
 * where its output goes. Shell, interpreter code and structured tools all end up here.
 */
export interface Word {
  text: string;
  /** The word contains an expansion whose value is unknown at analysis time. */
  dyn: boolean;
}

export interface Redirect {
  dir: 'in' | 'out';
  target: string;
}

export interface Cmd {
  program: string;
  args: Word[];
  /** Source text (bounded) for explanations. */
  text: string;
  /** Wrappers and nesting that led here, outermost first, e.g. ['sudo', 'bash -c']. */
  via: string[];
  /** Commands whose output reaches this one: pipeline predecessors and substitutions in its words. */
  upstream: Cmd[];
  redirects: Redirect[];
  origin: 'shell' | 'tool' | 'code';
  elevated: boolean;
  remote?: string;
  /** Values of env-like prefix assignments (AWS_PROFILE=prod, KUBECONFIG=...). */
  envValues: string[];
  /** Flags added by the context (find -exec implies recursion). */
  impliedFlags?: string[];
  /** Static text given on stdin (heredoc, here-string). */
  stdinText?: string;
}

export function makeCmd(program: string, args: Word[], init: Partial<Cmd> = {}): Cmd {
  return {
    program,
    args,
    text: init.text ?? [program, ...args.map((a) => a.text)].join(' ').slice(0, 300),
    via: init.via ?? [],
    upstream: init.upstream ?? [],
    redirects: init.redirects ?? [],
    origin: init.origin ?? 'shell',
    elevated: init.elevated ?? false,
    envValues: init.envValues ?? [],
    ...(init.remote ? { remote: init.remote } : {}),
    ...(init.impliedFlags ? { impliedFlags: init.impliedFlags } : {}),
    ...(init.stdinText !== undefined ? { stdinText: init.stdinText } : {}),
  };
}

export const lit = (text: string): Word => ({ text, dyn: false });

/** The program's name as rules see it: basename, lower case, without a `.exe` suffix. */
export function programName(word: string): string {
  const base = word.slice(word.lastIndexOf('/') + 1).toLowerCase();
  return base.endsWith('.exe') ? base.slice(0, -4) : base;
}

export interface SqlInput {
  sql: string;
  origin: 'tool' | 'shell';
  /** Database names or URLs known from the surrounding command (psql -d prod). */
  context: string[];
}
