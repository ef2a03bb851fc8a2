import { resolve } from 'node:path';
import { isStdio, type ServerConfig } from '../config/schema.ts';
import { Upstream, type Peer, type UpstreamState } from './upstream.ts';
import { createStdioLink } from './stdio-link.ts';
import { createHttpLink } from './http-link.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { AgentSession } from './session.ts';
import { deferredLink } from '../secrets/server-secrets.ts';
import type { JsonRpcNotification } from './jsonrpc.ts';
import type { Logger } from '../lib/logger.ts';

export const FLOWLINK_CLIENT_INFO = { name: 'flowlink', version: '0.1.0' };

/**
 * Capabilities FlowLink declares to a shared upstream: sampling and elicitation are
 * relayed to the agent whose call asked for them. Roots are not declared for shared
 * servers, since roots belong to one agent's workspace; per-session servers get the
 * agent's own capabilities.
 */
const SHARED_CAPABILITIES = { sampling: {}, elicitation: { form: {}, url: {} } };

export interface ServerStatus {
  name: string;
  kind: 'stdio' | 'http';
  mode: 'shared' | 'per-session';
  state: UpstreamState;
  restarts: number;
  inflight: number;
  /** Live upstream connections (processes, for stdio): 0 or 1 when shared, one per session otherwise. */
  connections: number;
  lastError: string | undefined;
  labels: Record<string, string>;
  serverInfo: { name: string; version: string } | undefined;
}

/**
 * All configured upstream servers. Shared servers have one connection; per-session
 * servers get one per agent session, created with that session and closed with it.
 */
export function createRegistry(deps: {
  servers: Record<string, ServerConfig>;
  baseDir: string;
  logger: Logger;
  onState?: (server: string, state: UpstreamState) => void;
  /** Takes injected secret values out of notifications on their way to a peer. */
  redact?: (peer: Peer, n: JsonRpcNotification) => JsonRpcNotification;
  /** Resolves {{secret:…}} in a server's env (stdio) or headers (HTTP) at every (re)start. */
  serverSecrets?: (cfg: ServerConfig, server: string) => Promise<{ env: Record<string, string>; headers: Record<string, string> }>;
}) {
  const shared = new Map<string, Upstream>();
  const perSession = new Map<string, Map<Peer, Upstream>>();
  /** For per-session servers: the one connection that serves stateless requests. */
  const stateless = new Map<string, Upstream>();

  function make(name: string, cfg: ServerConfig, clientInfo = FLOWLINK_CLIENT_INFO, capabilities: Record<string, unknown> = SHARED_CAPABILITIES): Upstream {
    // Secrets in env/headers are resolved at every (re)start, so rotated values apply.
    const secrets = deps.serverSecrets;
    const createLink = isStdio(cfg)
      ? () => deferredLink(async () => createStdioLink({ command: cfg.command, args: cfg.args, env: secrets ? (await secrets(cfg, name)).env : cfg.env, cwd: cfg.cwd ? resolve(deps.baseDir, cfg.cwd) : deps.baseDir }))
      : () => deferredLink(async () => createHttpLink({ url: cfg.url, headers: secrets ? (await secrets(cfg, name)).headers : cfg.headers, transport: cfg.transport }));
    return new Upstream({ name, createLink, timeoutMs: cfg.timeout, logger: deps.logger, clientInfo, capabilities, ...(deps.redact ? { redact: deps.redact } : {}), onState: (s) => deps.onState?.(name, s) });
  }

  for (const [name, cfg] of Object.entries(deps.servers)) {
    if (isStdio(cfg) && cfg.mode === 'per-session') perSession.set(name, new Map());
    else shared.set(name, make(name, cfg));
  }

  return {
    names(): string[] {
      return Object.keys(deps.servers);
    },
    has(name: string): boolean {
      return name in deps.servers;
    },
    labels(name: string): Record<string, string> {
      return deps.servers[name]?.labels ?? {};
    },
    /** The upstream that serves `peer` for server `name`, attaching the peer for notifications. */
    get(name: string, peer: Peer, client?: { info?: { name: string; version: string }; capabilities?: Record<string, unknown> }): Upstream {
      const cfg = deps.servers[name];
      if (!cfg) throw new FlowLinkError('unknown_server', `no server named "${name}" is configured`);
      let u = shared.get(name);
      if (!u && !(peer instanceof AgentSession)) {
        // Stateless (2026) requests have no session to own a process: they share one per server.
        u = stateless.get(name) ?? make(name, cfg);
        stateless.set(name, u);
      }
      if (!u) {
        const sessions = perSession.get(name)!;
        u = sessions.get(peer);
        if (!u) {
          u = make(name, cfg, client?.info ?? FLOWLINK_CLIENT_INFO, client?.capabilities ?? SHARED_CAPABILITIES);
          sessions.set(peer, u);
        }
      }
      u.attach(peer);
      return u;
    },
    /** Detaches a peer everywhere and closes its per-session servers. */
    async release(peer: Peer): Promise<void> {
      for (const u of shared.values()) u.detach(peer);
      for (const u of stateless.values()) u.detach(peer);
      const closing: Promise<void>[] = [];
      for (const sessions of perSession.values()) {
        const u = sessions.get(peer);
        if (u) {
          sessions.delete(peer);
          closing.push(u.close());
        }
      }
      await Promise.all(closing);
    },
    /** Restarts a server (shared ones; per-session ones restart with their sessions). */
    async restart(name: string): Promise<void> {
      const old = shared.get(name);
      const cfg = deps.servers[name];
      if (!old || !cfg) throw new FlowLinkError('unknown_server', `no shared server named "${name}"`);
      shared.set(name, make(name, cfg));
      await old.close();
    },
    /**
     * What a shared server lists now, asked by FlowLink itself (no agent attached; starts the
     * server if needed). Undefined for per-session servers: listing would start a process per ask.
     */
    async listTools(name: string, opts: { timeoutMs?: number } = {}): Promise<Record<string, unknown>[] | undefined> {
      if (!deps.servers[name]) throw new FlowLinkError('unknown_server', `no server named "${name}" is configured`);
      const u = shared.get(name);
      if (!u) return undefined;
      const tools: Record<string, unknown>[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const res = await u.request(undefined, { id: `flowlink-list-${page}`, method: 'tools/list', ...(cursor ? { params: { cursor } } : {}) }, { timeoutMs: opts.timeoutMs ?? 15_000 });
        if ('error' in res) throw new FlowLinkError('upstream_unavailable', `server "${name}" did not list its tools: ${res.error.message}`);
        const r = res.result as { tools?: unknown; nextCursor?: unknown };
        if (Array.isArray(r.tools)) tools.push(...(r.tools.filter((t) => t && typeof t === 'object') as Record<string, unknown>[]));
        cursor = typeof r.nextCursor === 'string' && r.nextCursor ? r.nextCursor : undefined;
        if (!cursor) break;
      }
      return tools;
    },
    inflight(): number {
      let n = 0;
      for (const u of shared.values()) n += u.inflightCount;
      for (const s of perSession.values()) for (const u of s.values()) n += u.inflightCount;
      return n;
    },
    status(): ServerStatus[] {
      return Object.entries(deps.servers).map(([name, cfg]) => {
        const u = shared.get(name);
        const sessions = perSession.get(name);
        const any = u ?? sessions?.values().next().value;
        return {
          name,
          kind: isStdio(cfg) ? 'stdio' : 'http',
          mode: u ? 'shared' : 'per-session',
          state: any?.state ?? 'idle',
          restarts: any?.restarts ?? 0,
          inflight: u ? u.inflightCount : [...(sessions?.values() ?? [])].reduce((n, x) => n + x.inflightCount, 0),
          connections: [...(u ? [u] : []), ...(sessions?.values() ?? []), ...(u ? [] : [stateless.get(name)].filter((x): x is Upstream => !!x))].filter((x) => x.state === 'ready').length,
          lastError: any?.lastError,
          labels: cfg.labels,
          serverInfo: any?.init?.serverInfo,
        };
      });
    },
    async close(): Promise<void> {
      const all: Upstream[] = [...shared.values(), ...stateless.values()];
      for (const s of perSession.values()) all.push(...s.values());
      await Promise.all(all.map((u) => u.close()));
    },
  };
}

export type Registry = ReturnType<typeof createRegistry>;
