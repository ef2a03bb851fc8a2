// @ts-check
/**
 * The hook client: what runs in the coding agent's process on every tool call. It reads the
 * client's hook payload, asks FlowLink's decision API, and prints the answer in the client's
 * own output format. Plain JavaScript with no imports beyond node:http(s), on purpose: it is
 * shared by `bin/flowlink-hook.js` (started without tsx, so the round trip stays fast) and
 * `flowlink hook` (src/cli/hook.ts). Types are in client.d.ts.
 *
 * Field names follow each client's documented hook payloads:
 * - Claude Code PreToolUse: {hook_event_name, tool_name, tool_input, cwd, session_id, ...}
 *   answered with {hookSpecificOutput: {hookEventName, permissionDecision, permissionDecisionReason}}.
 * - Codex PreToolUse: the same payload shape; Codex does not support "ask", so an ask
 *   becomes a deny that says a human must approve, and a deny also exits 2 (Codex's block).
 * - Cursor: beforeShellExecution {command, cwd}, beforeMCPExecution {tool_name, tool_input
 *   (object or JSON text), server|url|command}, beforeReadFile {file_path, content}; answered
 *   with {permission, user_message, agent_message} (plus the camelCase spellings older
 *   Cursor versions read).
 */
import http from 'node:http';
import https from 'node:https';

export const HOOK_CLIENTS = ['claude-code', 'cursor', 'codex'];

/** Long file contents are cut before they are sent: Shield judges paths and commands, not prose. */
const MAX_TEXT = 64 * 1024;
const TEXT_KEYS = new Set(['content', 'new_string', 'old_string', 'new_source', 'contents']);

/** @param {unknown} v */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** @param {unknown} v */
const str = (v) => (typeof v === 'string' && v ? v : undefined);

/** @param {Record<string, unknown>} input */
function trimInput(input) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [k, v] of Object.entries(input)) {
    if (typeof v === 'string' && TEXT_KEYS.has(k) && v.length > MAX_TEXT) out[k] = v.slice(0, MAX_TEXT) + `\n[truncated by flowlink hook: ${v.length} characters]`;
    else if (k === 'edits' && Array.isArray(v)) out[k] = v.map((e) => (isObject(e) ? trimInput(e) : e));
    else out[k] = v;
  }
  return out;
}

/** A server name from what Cursor tells about an MCP server: its name, URL host or command. */
/** @param {Record<string, unknown>} p */
function cursorServer(p) {
  const named = str(p.server) ?? str(p.server_name);
  if (named) return named;
  const url = str(p.url);
  if (url) {
    try {
      return new URL(url).hostname || 'mcp';
    } catch {
      /* fall through */
    }
  }
  const cmd = str(p.command);
  if (cmd) {
    const words = cmd.trim().split(/\s+/).filter((w) => !w.startsWith('-') && !/^(npx|uvx|node|python3?|bunx|pnpm|dlx|-y)$/.test(w));
    const last = (words[0] ?? 'mcp').split('/').pop() ?? 'mcp';
    return last.replace(/[^A-Za-z0-9_.-]/g, '') || 'mcp';
  }
  return 'mcp';
}

/**
 * The decision request for a hook payload.
 * @param {string} client
 * @param {unknown} payload
 * @returns {import('./client.d.ts').ReadResult}
 */
export function readHookPayload(client, payload) {
  if (!isObject(payload)) return { ok: false, message: 'the hook payload is not a JSON object' };
  const p = /** @type {Record<string, unknown>} */ (payload);
  const event = str(p.hook_event_name) ?? '';
  if (client === 'claude-code' || client === 'codex') {
    if (event && event !== 'PreToolUse') return { ok: true, skip: true, event };
    const tool = str(p.tool_name);
    if (!tool) return { ok: false, message: 'the hook payload has no tool_name (is this a PreToolUse hook?)' };
    const input = isObject(p.tool_input) ? /** @type {Record<string, unknown>} */ (p.tool_input) : p.tool_input === undefined ? {} : { input: p.tool_input };
    return { ok: true, event: event || 'PreToolUse', request: { client, tool, input: trimInput(input), ...(str(p.cwd) ? { cwd: str(p.cwd) } : {}), ...(str(p.session_id) ? { session_id: str(p.session_id) } : {}) } };
  }
  if (client === 'cursor') {
    const session = str(p.conversation_id) ?? str(p.session_id);
    const roots = Array.isArray(p.workspace_roots) ? p.workspace_roots.filter((r) => typeof r === 'string') : [];
    const cwd = str(p.cwd) ?? roots[0];
    const common = { client, ...(cwd ? { cwd } : {}), ...(session ? { session_id: session } : {}) };
    switch (event) {
      case 'beforeShellExecution': {
        const command = str(p.command);
        if (!command) return { ok: false, message: 'beforeShellExecution payload has no command' };
        return { ok: true, event, request: { ...common, tool: 'Shell', input: { command } } };
      }
      case 'beforeMCPExecution': {
        const tool = str(p.tool_name);
        if (!tool) return { ok: false, message: 'beforeMCPExecution payload has no tool_name' };
        let input = p.tool_input;
        if (typeof input === 'string') {
          try {
            input = JSON.parse(input);
          } catch {
            input = { input };
          }
        }
        return { ok: true, event, request: { ...common, tool: `mcp__${cursorServer(p)}__${tool}`, input: isObject(input) ? trimInput(/** @type {Record<string, unknown>} */ (input)) : {} } };
      }
      case 'beforeReadFile': {
        const file = str(p.file_path);
        if (!file) return { ok: false, message: 'beforeReadFile payload has no file_path' };
        // The file's content stays on the machine: the decision is about which file is read.
        return { ok: true, event, request: { ...common, tool: 'Read', input: { file_path: file } } };
      }
      default:
        return { ok: true, skip: true, event };
    }
  }
  return { ok: false, message: `unknown client "${client}" (expected ${HOOK_CLIENTS.join(', ')})` };
}

/**
 * The client's output for an answer.
 * @param {string} client
 * @param {string} event
 * @param {import('./client.d.ts').HookAnswer} answer
 * @returns {import('./client.d.ts').HookOutput}
 */
export function formatHookOutput(client, event, answer) {
  const reason = answer.reason;
  if (client === 'claude-code') {
    return { stdout: JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: answer.decision, permissionDecisionReason: reason } }) + '\n', exitCode: 0 };
  }
  if (client === 'codex') {
    if (answer.decision === 'allow') return { stdout: '', exitCode: 0 };
    const why = answer.decision === 'ask' ? `${reason} (Codex hooks cannot ask: the call was stopped; approve it in FlowLink or run it yourself)` : reason;
    return { stdout: JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: why } }) + '\n', stderr: why + '\n', exitCode: 2 };
  }
  // Cursor: beforeReadFile reads only `permission`; the messages are harmless there.
  const out = { permission: answer.decision, user_message: reason, agent_message: reason, userMessage: reason, agentMessage: reason };
  if (event === 'beforeReadFile' && answer.decision === 'ask') out.permission = 'deny';
  return { stdout: JSON.stringify(out) + '\n', exitCode: 0 };
}

/**
 * POSTs JSON and resolves with the status and parsed body; rejects on network errors and
 * on the timeout.
 * @param {string} url
 * @param {string | undefined} token
 * @param {unknown} body
 * @param {number} timeoutMs
 * @returns {Promise<{ status: number; body: unknown }>}
 */
export function postJson(url, token, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    let u;
    try {
      u = new URL(url);
    } catch {
      reject(new Error(`"${url}" is not a URL`));
      return;
    }
    const data = Buffer.from(JSON.stringify(body));
    const mod = u.protocol === 'https:' ? https : http;
    /** @type {Record<string, string | number>} */
    const headers = { 'content-type': 'application/json', 'content-length': data.length, accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = mod.request(u, { method: 'POST', headers, timeout: timeoutMs }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = { error: { code: 'bad_response', message: `FlowLink answered HTTP ${res.statusCode} with a body that is not JSON` } };
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** `http://host:7420/mcp` or `http://host:7420` → the decision endpoint. */
/** @param {string} base */
export function decideUrl(base) {
  return base.replace(/\/+$/, '').replace(/\/mcp$/, '') + '/api/v1/decide';
}

const truthy = (/** @type {string | undefined} */ v) => !!v && !/^(0|false|no|off)$/i.test(v);

/**
 * One hook invocation, start to answer. Never throws: every failure becomes the client's
 * deny (fail closed), or allow when fail-open is set, with the reason saying why.
 * @param {import('./client.d.ts').HookRunOptions} o
 * @returns {Promise<import('./client.d.ts').HookOutput>}
 */
export async function runHook(o) {
  const env = o.env;
  const url = o.url ?? env.FLOWLINK_URL ?? 'http://127.0.0.1:7420';
  const token = o.token ?? env.FLOWLINK_TOKEN;
  const failOpen = o.failOpen ?? truthy(env.FLOWLINK_FAIL_OPEN);
  const timeoutMs = o.timeoutMs ?? (Number(env.FLOWLINK_HOOK_TIMEOUT_MS) || 110_000);
  let event = '';
  /** @param {string} why */
  const failed = (why) =>
    formatHookOutput(o.client, event, failOpen ? { decision: 'allow', reason: `FlowLink could not decide (${why}); allowed because fail-open is set` } : { decision: 'deny', reason: `FlowLink could not decide (${why}), so the call was denied (fail closed; set FLOWLINK_FAIL_OPEN=1 or --fail-open to allow instead)` });
  if (!HOOK_CLIENTS.includes(o.client)) return { stdout: '', stderr: `flowlink hook: unknown client "${o.client}" (expected ${HOOK_CLIENTS.join(', ')})\n`, exitCode: 2 };
  let payload;
  try {
    payload = JSON.parse(o.stdinText);
  } catch {
    return failed('the hook input on stdin is not JSON');
  }
  const read = readHookPayload(o.client, payload);
  if (!read.ok) return failed(read.message);
  event = read.event;
  // Events FlowLink does not judge pass through untouched (the hook was installed for them by hand).
  if (read.skip) return o.client === 'cursor' ? { stdout: JSON.stringify({ permission: 'allow' }) + '\n', exitCode: 0 } : { stdout: '', exitCode: 0 };
  if (!token) return failed('no agent token: set FLOWLINK_TOKEN or pass --token');
  let res;
  try {
    res = await postJson(decideUrl(url), token, read.request, timeoutMs);
  } catch (err) {
    const e = /** @type {Error & { code?: string }} */ (err);
    return failed(`FlowLink is unreachable at ${url}: ${e.code ?? e.message}`);
  }
  const b = /** @type {Record<string, any> | undefined} */ (res.body);
  if (res.status !== 200 || !b || !['allow', 'deny', 'ask'].includes(b.decision)) {
    const msg = b?.error?.message ?? 'unexpected answer';
    return failed(`FlowLink answered HTTP ${res.status}: ${msg}`);
  }
  return formatHookOutput(o.client, event, { decision: b.decision, reason: typeof b.reason === 'string' ? b.reason : `FlowLink: ${b.decision}` });
}

/**
 * Reads all of a stream as text.
 * @param {NodeJS.ReadableStream} stream
 * @returns {Promise<string>}
 */
export async function readAll(stream) {
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}
