import { spawn, type ChildProcess } from 'node:child_process';
import type { JsonRpcMessage } from './jsonrpc.ts';

export interface LinkEvents {
  onmessage: (m: JsonRpcMessage) => void;
  onclose: (reason: string) => void;
  onstderr?: (line: string) => void;
}

/** A message link to an upstream MCP server: one duplex channel of JSON-RPC messages. */
export interface Link {
  start(ev: LinkEvents): Promise<void>;
  send(m: JsonRpcMessage): void;
  close(): Promise<void>;
  readonly pid?: number | undefined;
  /** Links that carry the negotiated version on every message (Streamable HTTP headers) need to know it. */
  setProtocolVersion?(version: string): void;
}

const MAX_LINE = 64 * 1024 * 1024;

/**
 * Newline-delimited JSON-RPC over a child's stdin/stdout (the MCP stdio transport).
 * Messages are parsed with JSON.parse and nothing else: the gateway validates only the
 * fields it routes on, which keeps a relayed call cheap.
 */
export function createStdioLink(opts: { command: string; args: string[]; env: Record<string, string>; cwd?: string | undefined }): Link {
  let child: ChildProcess | undefined;
  let ev: LinkEvents | undefined;
  let closing = false;
  let closedReported = false;

  function reportClose(reason: string) {
    if (closedReported) return;
    closedReported = true;
    ev?.onclose(reason);
  }

  return {
    get pid() {
      return child?.pid;
    },
    start(events) {
      ev = events;
      return new Promise<void>((resolve, reject) => {
        const c = spawn(opts.command, opts.args, {
          cwd: opts.cwd,
          env: { ...inheritedEnv(), ...opts.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        child = c;
        let buf = '';
        c.stdout!.setEncoding('utf8');
        c.stdout!.on('data', (chunk: string) => {
          buf += chunk;
          if (buf.length > MAX_LINE) {
            c.kill('SIGKILL');
            reportClose('upstream sent a message larger than 64 MB');
            return;
          }
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            let msg: unknown;
            try {
              msg = JSON.parse(line);
            } catch {
              events.onstderr?.(`non-JSON line on stdout ignored: ${line.slice(0, 200)}`);
              continue;
            }
            if (typeof msg === 'object' && msg !== null) events.onmessage(msg as JsonRpcMessage);
          }
        });
        let errBuf = '';
        c.stderr!.setEncoding('utf8');
        c.stderr!.on('data', (chunk: string) => {
          errBuf += chunk;
          let nl: number;
          while ((nl = errBuf.indexOf('\n')) >= 0) {
            events.onstderr?.(errBuf.slice(0, nl));
            errBuf = errBuf.slice(nl + 1);
          }
          if (errBuf.length > 65536) errBuf = '';
        });
        c.stdin!.on('error', () => {
          /* EPIPE after the child died: reported through 'exit' */
        });
        c.once('spawn', () => resolve());
        c.once('error', (err) => {
          reject(err);
          reportClose(`could not start: ${err.message}`);
        });
        c.once('exit', (code, signal) => {
          reportClose(closing ? 'closed' : `process exited (${signal ?? `code ${code}`})`);
        });
      });
    },
    send(m) {
      if (!child?.stdin?.writable) throw new Error('upstream process is not running');
      child.stdin.write(JSON.stringify(m) + '\n');
    },
    async close() {
      closing = true;
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          c.kill('SIGKILL');
        }, 2000);
        c.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        c.stdin?.end();
        c.kill('SIGTERM');
      });
    },
  };
}

/** The child gets a minimal environment, not FlowLink's own (which may hold database URLs and keys). */
function inheritedEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'NODE_OPTIONS', 'npm_config_cache', 'SHELL'];
  const out: Record<string, string> = {};
  for (const k of keep) if (process.env[k] !== undefined) out[k] = process.env[k]!;
  return out;
}
