/**
 * Maps a tool call reported by a coding agent's hook to what the pipeline judges: the
 * server (the client's name for its built-in tools, the MCP server for `mcp__server__tool`),
 * the tool, and arguments shaped so Shield's extractors find the command, path or URL
 * (docs/shield.md: `command` is shell, `path` a file, `url` a fetch; the tool name's verb
 * says whether the path is read or written). Pure: no I/O.
 */
import { posix } from 'node:path';

export interface HookAction {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Relative paths are resolved against the agent's working directory, so Shield classifies the real file. */
function abs(path: string, cwd: string | undefined): string {
  if (!cwd || path.startsWith('/') || path.startsWith('~') || /^[A-Za-z]:[\\/]/.test(path)) return path;
  return posix.resolve(cwd, path);
}

/** File paths named in an apply_patch body (Codex): added and updated files are written, deleted ones removed. */
export function patchFiles(patch: string): { written: string[]; deleted: string[] } {
  const written: string[] = [];
  const deleted: string[] = [];
  for (const m of patch.matchAll(/^\*\*\* (Add|Update|Delete) File: (.+)$|^\*\*\* Move to: (.+)$/gm)) {
    if (m[3]) written.push(m[3].trim());
    else if (m[1] === 'Delete') deleted.push(m[2]!.trim());
    else written.push(m[2]!.trim());
  }
  return { written, deleted };
}

/**
 * `client` names the server for built-in tools; the shell tools of every client become
 * `Bash {command}` so one policy rule covers Claude Code, Codex and Cursor alike.
 */
export function toHookAction(req: { client: string; tool: string; input: Record<string, unknown>; cwd?: string | undefined }): HookAction {
  const { client, input, cwd } = req;
  const mcp = /^mcp__(.+?)__(.+)$/.exec(req.tool);
  if (mcp) return { server: mcp[1]!, tool: mcp[2]!, arguments: input };
  const file = str(input.file_path) ?? str(input.notebook_path) ?? str(input.path);
  const at = (p: string) => abs(p, cwd);
  switch (req.tool) {
    case 'Bash':
    case 'Shell':
    case 'shell':
    case 'exec_command':
    case 'local_shell': {
      const command = input.command ?? input.cmd;
      const args: Record<string, unknown> = { command: Array.isArray(command) && command.length === 3 && /^(ba|z)?sh$/.test(String(command[0])) && command[1] === '-lc' ? command[2] : command };
      return { server: client, tool: 'Bash', arguments: args };
    }
    case 'Write':
      return { server: client, tool: 'Write', arguments: { ...(file ? { path: at(file) } : {}), content: input.content ?? '' } };
    case 'Edit':
      return { server: client, tool: 'Edit', arguments: { ...(file ? { path: at(file) } : {}), content: input.new_string ?? '' } };
    case 'MultiEdit': {
      const edits = Array.isArray(input.edits) ? input.edits : [];
      const content = edits.map((e) => (e && typeof e === 'object' ? String((e as { new_string?: unknown }).new_string ?? '') : '')).join('\n');
      return { server: client, tool: 'Edit', arguments: { ...(file ? { path: at(file) } : {}), content } };
    }
    case 'NotebookEdit':
      return { server: client, tool: 'Edit', arguments: { ...(file ? { path: at(file) } : {}), content: input.new_source ?? '' } };
    case 'Read':
      return { server: client, tool: 'Read', arguments: file ? { path: at(file) } : {} };
    case 'WebFetch':
      return { server: client, tool: 'WebFetch', arguments: { ...(str(input.url) ? { url: input.url } : {}) } };
    case 'apply_patch': {
      const body = str(input.patch) ?? str(input.input) ?? str(input.command) ?? '';
      const { written, deleted } = patchFiles(body);
      // A patch that deletes files is judged as the delete (the stronger action); the rest as writes.
      if (deleted.length) return { server: client, tool: 'delete_files', arguments: { paths: deleted.map(at) } };
      return { server: client, tool: 'write_files', arguments: { paths: written.map(at), content: body } };
    }
    default:
      // Other built-in tools (Glob, Grep, Task, WebSearch, TodoWrite, ...): Shield's generic
      // extraction reads whatever paths, URLs or commands their arguments name.
      return { server: client, tool: req.tool, arguments: input };
  }
}
