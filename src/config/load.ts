import { readFileSync, existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.ts';
import { FlowLinkError } from '../lib/errors.ts';

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file, or undefined when running on defaults. */
  file: string | undefined;
  /** Folder that relative paths in the file are resolved against. */
  baseDir: string;
}

/** Formats zod issues as `file: key.path: message` lines. */
export function formatIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path.length ? i.path.join('.') : '(top level)';
      let msg = i.message;
      if (i.code === 'invalid_key' && i.issues[0]) msg = `invalid name "${String(i.path.at(-1) ?? "")}": ${i.issues[0].message}`;
      if (i.code === 'unrecognized_keys') msg = `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${file}: ${path}: ${msg}`;
    })
    .join('\n');
}

export function parseConfig(text: string, file: string): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new FlowLinkError('config_invalid', doc.errors.map((e) => `${file}: ${e.message}`).join('\n'));
  }
  const raw = doc.toJS() ?? {};
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw new FlowLinkError('config_invalid', formatIssues(file, parsed.error.issues));
  return parsed.data;
}

/**
 * Loads flowlink.yaml (or the given file). With no file given and none present, the
 * defaults apply. A file that was named but does not exist is an error.
 */
export function loadConfig(path?: string, cwd = process.cwd()): LoadedConfig {
  const candidate = path ? resolve(cwd, path) : resolve(cwd, 'flowlink.yaml');
  if (!existsSync(candidate)) {
    if (path) throw new FlowLinkError('config_invalid', `${candidate}: file not found`);
    return { config: ConfigSchema.parse({}), file: undefined, baseDir: cwd };
  }
  const text = readFileSync(candidate, 'utf8');
  return { config: parseConfig(text, candidate), file: candidate, baseDir: dirname(candidate) };
}
