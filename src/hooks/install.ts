/**
 * The settings that install FlowLink's hook in each client, merged into what is already
 * there: other hooks, matchers and keys are kept; a FlowLink hook already present is
 * updated in place instead of added twice. Pure: text in, text out.
 */
import { FlowLinkError } from '../lib/errors.ts';

/** How an installed FlowLink hook is recognized when the settings are merged again. */
const OURS = /flowlink-hook(\.js)?\b|flowlink(\.js)?["']?\s+hook\b/;

export const CURSOR_EVENTS = ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile'] as const;

function parseObject(text: string | undefined, file: string): Record<string, unknown> {
  if (text === undefined || !text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new FlowLinkError('invalid_params', `${file} is not valid JSON (${(err as Error).message}); fix it first, it was left unchanged`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FlowLinkError('invalid_params', `${file} must hold a JSON object; it was left unchanged`);
  return v as Record<string, unknown>;
}

function objectAt(parent: Record<string, unknown>, key: string, file: string): Record<string, unknown> {
  const v = parent[key];
  if (v === undefined) return (parent[key] = {});
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FlowLinkError('invalid_params', `"${key}" in ${file} is not an object; it was left unchanged`);
  return v as Record<string, unknown>;
}

function arrayAt(parent: Record<string, unknown>, key: string, file: string): unknown[] {
  const v = parent[key];
  if (v === undefined) return (parent[key] = []);
  if (!Array.isArray(v)) throw new FlowLinkError('invalid_params', `"${key}" in ${file} is not an array; it was left unchanged`);
  return v;
}

const isOurs = (h: unknown) => !!h && typeof h === 'object' && typeof (h as { command?: unknown }).command === 'string' && OURS.test((h as { command: string }).command);

/**
 * Claude Code (.claude/settings.json, settings.local.json or ~/.claude/settings.json):
 * hooks.PreToolUse gets a matcher entry running the hook. `timeoutSec` must exceed
 * FlowLink's approval wait, or Claude Code kills the hook while a human decides.
 */
export function mergeClaudeSettings(existing: string | undefined, o: { command: string; matcher?: string; timeoutSec?: number; env?: Record<string, string>; file?: string }): { text: string; changed: boolean } {
  const file = o.file ?? 'settings.json';
  const root = parseObject(existing, file);
  const before = JSON.stringify(root);
  const hooks = objectAt(root, 'hooks', file);
  const pre = arrayAt(hooks, 'PreToolUse', file);
  const hook = { type: 'command', command: o.command, timeout: o.timeoutSec ?? 130 };
  let found = false;
  for (const entry of pre) {
    if (!entry || typeof entry !== 'object') continue;
    const list = (entry as { hooks?: unknown }).hooks;
    if (!Array.isArray(list)) continue;
    const i = list.findIndex(isOurs);
    if (i >= 0) {
      list[i] = { ...(list[i] as object), ...hook };
      found = true;
    }
  }
  if (!found) pre.push({ matcher: o.matcher ?? '*', hooks: [hook] });
  if (o.env && Object.keys(o.env).length) Object.assign(objectAt(root, 'env', file), o.env);
  return { text: JSON.stringify(root, null, 2) + '\n', changed: JSON.stringify(root) !== before };
}

/** Cursor (~/.cursor/hooks.json or .cursor/hooks.json): version 1, one entry per judged event. */
export function mergeCursorHooks(existing: string | undefined, o: { command: string; file?: string }): { text: string; changed: boolean } {
  const file = o.file ?? 'hooks.json';
  const root = parseObject(existing, file);
  const before = JSON.stringify(root);
  if (root.version === undefined) root.version = 1;
  const hooks = objectAt(root, 'hooks', file);
  for (const event of CURSOR_EVENTS) {
    const list = arrayAt(hooks, event, file);
    const i = list.findIndex(isOurs);
    if (i >= 0) list[i] = { ...(list[i] as object), command: o.command };
    else list.push({ command: o.command });
  }
  return { text: JSON.stringify(root, null, 2) + '\n', changed: JSON.stringify(root) !== before };
}

/** Codex (~/.codex/config.toml): printed for the user to paste (no TOML merge here). */
export function codexHooksToml(command: string, timeoutSec = 130): string {
  return ['[[hooks.PreToolUse]]', '[[hooks.PreToolUse.hooks]]', 'type = "command"', `command = ${JSON.stringify(command)}`, `timeout = ${timeoutSec}`].join('\n');
}
