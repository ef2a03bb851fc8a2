/**
 * Reads a command's words the way the program would: flags, options with values,
 * positionals, and which positionals are read or written. Driven by the `programs:`
 * section of the rule packs so new tools need data, not code.
 */
import type { ProgramSpec } from '../rules.schema.ts';
import type { Cmd } from './command.ts';

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  options: Map<string, string[]>;
  /** Every option value, in order. */
  optionValues: string[];
}

export function parseArgs(cmd: Cmd, spec: ProgramSpec | undefined): ParsedArgs {
  const valueOpts = new Set(spec?.value_options ?? []);
  const aliases = spec?.aliases ?? {};
  const positionals: string[] = [];
  const flags = new Set<string>(cmd.impliedFlags ?? []);
  const options = new Map<string, string[]>();
  const optionValues: string[] = [];
  const addOpt = (k: string, v: string) => {
    const list = options.get(k);
    if (list) list.push(v);
    else options.set(k, [v]);
    optionValues.push(v);
  };
  const words = cmd.args;
  let endOfOptions = false;
  let leadingDone = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.text;
    if (endOfOptions || leadingDone || w === '-' || !w.startsWith('-') || /^-\d+$/.test(w)) {
      if (spec?.leading_positionals && (leadingDone || w === '(' || w === '!')) {
        leadingDone = true;
        flags.add(w);
        continue;
      }
      positionals.push(aliases[w] ?? w);
      continue;
    }
    if (w === '--') {
      endOfOptions = true;
      continue;
    }
    if (spec?.leading_positionals) {
      leadingDone = true;
      flags.add(w);
      continue;
    }
    const eq = w.indexOf('=');
    if (eq > 0) {
      const name = w.slice(0, eq);
      flags.add(name);
      addOpt(name, w.slice(eq + 1));
      continue;
    }
    flags.add(w);
    if (valueOpts.has(w)) {
      const v = words[i + 1];
      if (v !== undefined) {
        addOpt(w, v.text);
        i++;
      }
      continue;
    }
    if (!w.startsWith('--') && w.length > 2) {
      // A short-option cluster (-rf) or a short option with its value glued on (-nprod).
      const first = w.slice(0, 2);
      if (valueOpts.has(first)) {
        addOpt(first, w.slice(2));
        continue;
      }
      for (const ch of w.slice(1)) flags.add('-' + ch);
    }
  }
  if (spec?.split_slash) {
    // kubectl delete deployment/api → delete deployment api
    const idx = positionals.findIndex((p, i) => i > 0 && p.includes('/') && !p.includes(':'));
    if (idx > 0) {
      const p = positionals[idx]!;
      const kind = p.slice(0, p.indexOf('/'));
      positionals.splice(idx, 1, aliases[kind] ?? kind, p.slice(p.indexOf('/') + 1));
    }
  }
  return { positionals, flags, options, optionValues };
}

/** Positionals the program reads and writes as files, plus values of options that name read files (curl -d @f). */
export function fileRoles(parsed: ParsedArgs, spec: ProgramSpec | undefined): { reads: string[]; writes: string[] } {
  const pos = parsed.positionals;
  let reads: string[];
  let writes: string[];
  if (spec?.writes_all) {
    reads = [];
    writes = pos;
  } else if (spec?.dest_last && pos.length > 1) {
    reads = pos.slice(0, -1);
    writes = pos.slice(-1);
  } else {
    reads = pos;
    writes = [];
  }
  const fromOptions: string[] = [];
  for (const name of spec?.read_options ?? []) {
    for (const v of parsed.options.get(name) ?? []) {
      const at = v.search(/[@<]/);
      if (at >= 0) fromOptions.push(v.slice(at + 1).replace(/;.*$/, ''));
      else if (name === '-T' || name === '--upload-file' || name === '--post-file' || name === '--body-file') fromOptions.push(v);
    }
  }
  return { reads: fromOptions.length ? [...reads, ...fromOptions] : reads, writes };
}
