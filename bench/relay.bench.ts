/**
 * Relay benchmark: latency and throughput of a cheap tool call (server-everything `echo`)
 * over several paths, plus FlowLink's resident memory with 100 idle sessions.
 *
 * This is a report, not a test: nothing here asserts on timings. Every loop is bounded by
 * a call count and a wall-clock deadline, every listener is on 127.0.0.1, and every child
 * process is stopped in a finally block.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { summarize, fmt, table } from './lib/stats.ts';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const EVERYTHING = resolve(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const MCP_PROXY = resolve(ROOT, 'node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs');
const FLOWLINK_BIN = resolve(ROOT, 'bin/flowlink.js');
const PG_URL = process.env.FLOWLINK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const HOST = '127.0.0.1';
const ECHO = { name: 'echo', arguments: { message: 'hi' } };

/**
 * server-everything's streamableHttp calls app.listen(PORT) without a host (all interfaces).
 * This preload pins any port-only listen() to 127.0.0.1 so the bench stays on loopback.
 */
const LOOPBACK_PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    `import net from 'node:net';
const orig = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  const portOnly = typeof a[0] === 'number' || (typeof a[0] === 'string' && /^\\d+$/.test(a[0]));
  if (portOnly && typeof a[1] !== 'string') a.splice(1, 0, '127.0.0.1');
  return orig.apply(this, a);
};`,
  );

// ---------------------------------------------------------------------------------------
// Options and result shapes

export interface RelayOptions {
  quick?: boolean;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface LatencyRow {
  path: string;
  label: string;
  concurrency: number;
  note?: string;
  calls: number;
  errors: number;
  p50: number;
  p99: number;
  mean: number;
  callsPerSec: number;
  ratioVsFloor?: number;
  error?: string;
}

export interface MemoryRow {
  store: 'pglite' | 'postgres';
  sessions: number;
  rssBaselineMB?: number;
  rssMB?: number;
  childrenRssMB?: number;
  targetMB: number;
  withinTarget?: boolean;
  error?: string;
}

export interface RelayResult {
  latency: LatencyRow[];
  memory: MemoryRow[];
  target: { text: string; p50Ok?: boolean; vsProxyOk?: boolean };
  elapsedMs: number;
}

interface Budget {
  warmCalls: number;
  warmMs: number;
  calls: number;
  ms: number;
}

const BUDGETS = {
  full: { c1: { warmCalls: 300, warmMs: 2000, calls: 3000, ms: 8000 }, c32: { warmCalls: 1000, warmMs: 3000, calls: 10000, ms: 10000 } },
  quick: { c1: { warmCalls: 50, warmMs: 500, calls: 300, ms: 1200 }, c32: { warmCalls: 200, warmMs: 800, calls: 1000, ms: 1500 } },
};

const HIGH_CONCURRENCY = 32;
const IDLE_SESSIONS = 100;
const RSS_TARGET_MB = 300;

// ---------------------------------------------------------------------------------------
// Clients

interface Conn {
  call(): Promise<void>;
  close(): Promise<void>;
}

function newClient() {
  return new Client({ name: 'flowlink-bench', version: '1.0.0' }, { capabilities: {} });
}

function checkEcho(res: unknown) {
  const content = (res as { content?: Array<{ text?: string }>; isError?: boolean }).content;
  if ((res as { isError?: boolean }).isError || content?.[0]?.text !== 'Echo: hi') throw new Error(`unexpected echo result: ${JSON.stringify(res).slice(0, 200)}`);
}

async function connectStdio(): Promise<Conn> {
  const client = newClient();
  const transport = new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' });
  await client.connect(transport);
  return {
    async call() {
      checkEcho(await client.callTool(ECHO));
    },
    async close() {
      await client.close().catch(() => {});
    },
  };
}

async function connectHttp(url: string, headers: Record<string, string> = {}): Promise<Conn & { listTools(): Promise<unknown> }> {
  const client = newClient();
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return {
    async call() {
      checkEcho(await client.callTool(ECHO));
    },
    listTools: () => client.listTools(),
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close().catch(() => {});
    },
  };
}

async function connectMany(n: number, connect: () => Promise<Conn>): Promise<Conn[]> {
  const conns: Conn[] = [];
  try {
    // Connect in small batches so session setup does not itself become a stampede.
    for (let i = 0; i < n; i += 8) {
      const batch = await Promise.all(Array.from({ length: Math.min(8, n - i) }, () => connect()));
      conns.push(...batch);
    }
    return conns;
  } catch (err) {
    await Promise.all(conns.map((c) => c.close()));
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// Load loop

interface LoadResult {
  samples: number[];
  errors: number;
  wallMs: number;
  firstError?: string;
}

/** Runs `workers` parallel loops over `conns` (worker i uses conns[i % conns.length]) until the call budget or deadline. */
async function runLoad(conns: Conn[], workers: number, calls: number, ms: number, record: boolean): Promise<LoadResult> {
  const samples: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + ms;
  const worker = async (i: number) => {
    const conn = conns[i % conns.length]!;
    while (issued < calls && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      try {
        await conn.call();
        if (record) samples.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
        // A broken path should not spin: give up after a bounded number of failures.
        if (errors > Math.max(20, calls / 10)) return;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, i) => worker(i)));
  return { samples, errors, wallMs: performance.now() - start, ...(firstError ? { firstError } : {}) };
}

async function measure(path: string, label: string, concurrency: number, conns: Conn[], budget: Budget, note?: string): Promise<LatencyRow> {
  await runLoad(conns, concurrency, budget.warmCalls, budget.warmMs, false);
  const r = await runLoad(conns, concurrency, budget.calls, budget.ms, true);
  const s = summarize(r.samples);
  return {
    path,
    label,
    concurrency,
    ...(note ? { note } : {}),
    calls: s.n,
    errors: r.errors,
    p50: s.p50,
    p99: s.p99,
    mean: s.mean,
    callsPerSec: r.wallMs > 0 ? (s.n / r.wallMs) * 1000 : NaN,
    ...(r.firstError ? { error: r.firstError } : {}),
  };
}

function failedRow(path: string, label: string, concurrency: number, err: unknown): LatencyRow {
  return { path, label, concurrency, calls: 0, errors: 1, p50: NaN, p99: NaN, mean: NaN, callsPerSec: NaN, error: (err as Error)?.message ?? String(err) };
}

/**
 * Measures one path at c=1 and c=32. `connect` opens one client/session; with `shareOne`
 * the c=32 row uses one client with 32 concurrent requests instead of 32 clients.
 */
async function benchPath(
  path: string,
  label: string,
  connect: () => Promise<Conn>,
  budgets: { c1: Budget; c32: Budget },
  log: (s: string) => void,
  opts: { shareOne?: boolean; note32?: string } = {},
): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  let conns: Conn[] = [];
  try {
    log(`  ${path} ${label}: c=1`);
    conns = [await connect()];
    rows.push(await measure(path, label, 1, conns, budgets.c1));
    log(`    p50 ${fmt(rows.at(-1)!.p50, 3)} ms, ${fmt(rows.at(-1)!.callsPerSec, 0)} calls/s`);
  } catch (err) {
    rows.push(failedRow(path, label, 1, err));
    log(`    failed: ${(err as Error).message}`);
  }
  try {
    log(`  ${path} ${label}: c=${HIGH_CONCURRENCY}`);
    if (!opts.shareOne) {
      if (!conns.length) conns = [await connect()];
      conns.push(...(await connectMany(HIGH_CONCURRENCY - conns.length, connect)));
    } else if (!conns.length) conns = [await connect()];
    rows.push(await measure(path, label, HIGH_CONCURRENCY, conns, budgets.c32, opts.note32));
    log(`    p50 ${fmt(rows.at(-1)!.p50, 3)} ms, ${fmt(rows.at(-1)!.callsPerSec, 0)} calls/s`);
  } catch (err) {
    rows.push(failedRow(path, label, HIGH_CONCURRENCY, err));
    log(`    failed: ${(err as Error).message}`);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------
// Processes and ports

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createNetServer();
    srv.once('error', fail);
    srv.listen(0, HOST, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

interface Child {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function spawnChild(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  let tail = '';
  const keep = (b: Buffer) => {
    tail = (tail + b.toString()).slice(-4000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  proc.on('error', (err) => keep(Buffer.from(`spawn error: ${err.message}\n`)));
  return {
    proc,
    output: () => tail,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((ok) => proc.once('exit', () => ok()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Polls until an HTTP request to `url` gets any response with a status in `ok`, or fails after `ms`. */
async function waitForHttp(url: string, child: Child, ms: number, init: RequestInit = {}, ok = (s: number) => s < 500): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`process exited (${child.proc.exitCode}): ${child.output().slice(-800)}`);
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer().catch(() => {});
      if (ok(res.status)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${url}: ${child.output().slice(-800)}`);
}

/** A POST that any MCP streamable HTTP endpoint answers (with 4xx is fine) once it is listening. */
const PROBE_INIT: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' };

function rssKB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const txt = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (txt) out.push(...txt.split(/\s+/).map(Number));
    }
  } catch {
    // process gone
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// (e) HTTP floor: a minimal JSON-RPC endpoint, no SDK server

async function startFloorServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const reply = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  };
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      // GET (standalone stream) and DELETE (terminate) are optional for the client.
      res.setHeader('allow', 'POST');
      reply(res, 405);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let msg: { id?: string | number; method?: string; params?: { protocolVersion?: string; name?: string; arguments?: { message?: string } } };
      try {
        msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        reply(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
        return;
      }
      if (msg.id === undefined) {
        reply(res, 202); // notifications/initialized and any other notification
        return;
      }
      switch (msg.method) {
        case 'initialize':
          reply(res, 200, {
            jsonrpc: '2.0',
            id: msg.id,
            result: { protocolVersion: msg.params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'bench-floor', version: '0.0.0' } },
          });
          return;
        case 'tools/list':
          reply(res, 200, { jsonrpc: '2.0', id: msg.id, result: { tools: [{ name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } }] } });
          return;
        case 'tools/call':
          reply(res, 200, { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: `Echo: ${msg.params?.arguments?.message ?? ''}` }] } });
          return;
        case 'ping':
          reply(res, 200, { jsonrpc: '2.0', id: msg.id, result: {} });
          return;
        default:
          reply(res, 200, { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(0, HOST, ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${HOST}:${port}/mcp`,
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

// ---------------------------------------------------------------------------------------
// FlowLink as a separate process (memory figure, plus an out-of-process latency row)

interface SpawnedFlowLink {
  url: string;
  token: string;
  child: Child;
  dir: string;
  stop(): Promise<void>;
}

async function runCli(args: string[], env: NodeJS.ProcessEnv, ms: number): Promise<string> {
  const child = spawnChild(process.execPath, [FLOWLINK_BIN, ...args], env);
  let out = '';
  child.proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const t = setTimeout(() => child.proc.kill('SIGKILL'), ms);
  try {
    const code = await new Promise<number | null>((ok) => child.proc.once('exit', (c) => ok(c)));
    if (code !== 0) throw new Error(`flowlink ${args.slice(0, 2).join(' ')} exited ${code}: ${child.output().slice(-800)}`);
    return out;
  } finally {
    clearTimeout(t);
  }
}

async function spawnFlowLink(store: 'pglite' | 'postgres'): Promise<SpawnedFlowLink> {
  const dir = mkdtempSync(join(tmpdir(), `flowlink-bench-${store}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, FLOWLINK_LOG_LEVEL: process.env.FLOWLINK_LOG_LEVEL ?? 'warn' };
  delete env.DATABASE_URL;
  const cfgPath = join(dir, 'flowlink.yaml');
  const storeYaml = store === 'postgres' ? `store:\n  url: ${JSON.stringify(PG_URL)}\n` : `store:\n  data: ${JSON.stringify(join(dir, 'data'))}\n`;
  writeFileSync(cfgPath, `servers:\n  everything:\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(EVERYTHING)}, stdio]\n${storeYaml}`);
  let child: Child | undefined;
  try {
    // The agent must exist before start: the embedded store's data folder is locked while running.
    const name = `bench-${store}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const created = JSON.parse((await runCli(['agent', 'create', name, '--json', '--config', cfgPath], env, 60_000)).trim().split('\n').at(-1)!) as { token: string };
    const port = await freePort();
    child = spawnChild(process.execPath, [FLOWLINK_BIN, 'start', '--config', cfgPath, '--port', String(port), '--host', HOST], env);
    const base = `http://${HOST}:${port}`;
    await waitForHttp(`${base}/healthz`, child, 60_000, {}, (s) => s === 200);
    const c = child;
    return {
      url: `${base}/mcp/everything`,
      token: created.token,
      child: c,
      dir,
      async stop() {
        await c.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await child?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** FlowLink RSS with IDLE_SESSIONS idle sessions, in a fresh FlowLink process. */
async function memoryFigure(store: 'pglite' | 'postgres', log: (s: string) => void): Promise<MemoryRow> {
  const mem: MemoryRow = { store, sessions: 0, targetMB: RSS_TARGET_MB };
  let fl: SpawnedFlowLink | undefined;
  const idle: Conn[] = [];
  try {
    log(`  memory: FlowLink (${store}) as a separate process, ${IDLE_SESSIONS} idle sessions`);
    fl = await spawnFlowLink(store);
    const pid = fl.child.proc.pid!;
    const headers = { authorization: `Bearer ${fl.token}` };
    // Baseline: after one session has started the shared upstream and closed again.
    const first = await connectHttp(fl.url, headers);
    await first.listTools();
    await first.close();
    await new Promise((r) => setTimeout(r, 500));
    const base = rssKB(pid);
    if (base !== undefined) mem.rssBaselineMB = base / 1024;
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < IDLE_SESSIONS && Date.now() < deadline; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, IDLE_SESSIONS - i) }, async () => {
          const c = await connectHttp(fl!.url, headers);
          idle.push(c);
          await c.listTools();
        }),
      );
    }
    mem.sessions = idle.length;
    await new Promise((r) => setTimeout(r, 1000));
    const kb = rssKB(pid);
    if (kb === undefined) throw new Error(`could not read /proc/${pid}/status`);
    mem.rssMB = kb / 1024;
    mem.childrenRssMB = childPids(pid).reduce((a, p) => a + (rssKB(p) ?? 0), 0) / 1024;
    mem.withinTarget = mem.rssMB <= RSS_TARGET_MB;
    log(`    RSS ${fmt(mem.rssMB, 1)} MB with ${idle.length} idle sessions (baseline ${fmt(mem.rssBaselineMB, 1)} MB)`);
  } catch (err) {
    mem.error = (err as Error).message;
    log(`    memory failed: ${mem.error}`);
  } finally {
    await Promise.all(idle.map((c) => c.close()));
    await fl?.stop();
  }
  return mem;
}

/** Latency through FlowLink running as its own process (same topology as mcp-proxy in (c)), fresh process. */
async function outOfProcessLatency(store: 'pglite' | 'postgres', budgets: { c1: Budget; c32: Budget }, log: (s: string) => void): Promise<LatencyRow[]> {
  const label = `FlowLink ${store === 'postgres' ? 'PG' : 'PGlite'}, own process`;
  let fl: SpawnedFlowLink | undefined;
  try {
    fl = await spawnFlowLink(store);
    const f = fl;
    return await benchPath('(b*)', label, () => connectHttp(f.url, { authorization: `Bearer ${f.token}` }), budgets, log);
  } catch (err) {
    log(`  (b*) ${label} failed: ${(err as Error).message}`);
    return [failedRow('(b*)', label, 1, err), failedRow('(b*)', label, HIGH_CONCURRENCY, err)];
  } finally {
    await fl?.stop();
  }
}

// ---------------------------------------------------------------------------------------
// Main

export async function runRelayBench(opts: RelayOptions = {}): Promise<RelayResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const budgets = opts.quick ? BUDGETS.quick : BUDGETS.full;
  const t0 = performance.now();
  const latency: LatencyRow[] = [];

  // (a) stdio floor
  {
    latency.push(...(await benchPath('(a)', 'stdio direct (SDK client)', connectStdio, budgets, log, { shareOne: true, note32: '1 client, 32 in flight' })));
  }

  // (b) FlowLink in-process, PGlite memory:// and PostgreSQL
  for (const postgres of [false, true]) {
    const label = postgres ? 'FlowLink in-process, PG' : 'FlowLink in-process, PGlite';
    let running: { url: string; token: string; stop(): Promise<void> } | undefined;
    try {
      // Imported lazily: the helper pulls in the whole gateway.
      const { startFlowLink } = await import('../test/helpers/flowlink.ts');
      running = await startFlowLink({}, { postgres });
      const url = `${running.url.replace(/\/$/, '')}/mcp/everything`;
      const headers = { authorization: `Bearer ${running.token}` };
      latency.push(...(await benchPath('(b)', label, () => connectHttp(url, headers), budgets, log)));
    } catch (err) {
      log(`  (b) ${label} failed: ${(err as Error).message}`);
      latency.push(failedRow('(b)', label, 1, err), failedRow('(b)', label, HIGH_CONCURRENCY, err));
    } finally {
      await running?.stop().catch((e: Error) => log(`  (b) stop failed: ${e.message}`));
    }
  }

  // (c) mcp-proxy in front of the same stdio server
  {
    let child: Child | undefined;
    try {
      const port = await freePort();
      child = spawnChild(process.execPath, [MCP_PROXY, '--host', HOST, '--port', String(port), '--server', 'stream', '--', process.execPath, EVERYTHING, 'stdio']);
      const url = `http://${HOST}:${port}/mcp`;
      await waitForHttp(url, child, 30_000, PROBE_INIT);
      latency.push(...(await benchPath('(c)', 'mcp-proxy (stdio upstream)', () => connectHttp(url), budgets, log)));
    } catch (err) {
      log(`  (c) failed: ${(err as Error).message}`);
      latency.push(failedRow('(c)', 'mcp-proxy (stdio upstream)', 1, err), failedRow('(c)', 'mcp-proxy (stdio upstream)', HIGH_CONCURRENCY, err));
    } finally {
      await child?.stop();
    }
  }

  // (d) server-everything's own Streamable HTTP
  {
    let child: Child | undefined;
    try {
      const port = await freePort();
      child = spawnChild(process.execPath, ['--import', LOOPBACK_PRELOAD, EVERYTHING, 'streamableHttp'], { ...process.env, PORT: String(port) });
      const url = `http://${HOST}:${port}/mcp`;
      await waitForHttp(url, child, 30_000, PROBE_INIT);
      latency.push(...(await benchPath('(d)', 'server-everything HTTP direct', () => connectHttp(url), budgets, log)));
    } catch (err) {
      log(`  (d) failed: ${(err as Error).message}`);
      latency.push(failedRow('(d)', 'server-everything HTTP direct', 1, err), failedRow('(d)', 'server-everything HTTP direct', HIGH_CONCURRENCY, err));
    } finally {
      await child?.stop();
    }
  }

  // (e) HTTP floor
  {
    let floor: { url: string; stop(): Promise<void> } | undefined;
    try {
      floor = await startFloorServer();
      const f = floor;
      latency.push(...(await benchPath('(e)', 'HTTP floor (node:http JSON)', () => connectHttp(f.url), budgets, log)));
    } catch (err) {
      latency.push(failedRow('(e)', 'HTTP floor (node:http JSON)', 1, err), failedRow('(e)', 'HTTP floor (node:http JSON)', HIGH_CONCURRENCY, err));
    } finally {
      await floor?.stop();
    }
  }

  // (b*) FlowLink as its own process, like mcp-proxy in (c); full run only (process start-up costs ~5 s each)
  if (!opts.quick) for (const store of ['pglite', 'postgres'] as const) latency.push(...(await outOfProcessLatency(store, budgets, log)));

  // Memory for both stores
  const memory: MemoryRow[] = [];
  for (const store of ['pglite', 'postgres'] as const) memory.push(await memoryFigure(store, log));

  // Ratios against (a) at the same concurrency
  for (const r of latency) {
    const floor = latency.find((x) => x.path === '(a)' && x.concurrency === r.concurrency);
    if (floor && Number.isFinite(floor.p50) && Number.isFinite(r.p50)) r.ratioVsFloor = r.p50 / floor.p50;
  }

  return { latency, memory, target: targetCheck(latency), elapsedMs: performance.now() - t0 };
}

function targetCheck(rows: LatencyRow[]): RelayResult['target'] {
  const get = (path: string, c: number, label?: string) => rows.find((r) => r.path === path && r.concurrency === c && (!label || r.label === label));
  const a = get('(a)', 1);
  const e = get('(e)', 1);
  const parts: string[] = [];
  let p50Ok: boolean | undefined;
  let vsProxyOk: boolean | undefined;
  if (a && e && Number.isFinite(a.p50) && Number.isFinite(e.p50)) {
    const limit = a.p50 + e.p50 + 0.5;
    for (const b of rows.filter((r) => r.path === '(b)' && r.concurrency === 1)) {
      const ok = Number.isFinite(b.p50) && b.p50 <= limit;
      p50Ok = (p50Ok ?? true) && ok;
      parts.push(`${b.label} c=1 p50 ${fmt(b.p50, 3)} ms ${ok ? '<=' : '>'} (a) ${fmt(a.p50, 3)} + (e) ${fmt(e.p50, 3)} + 0.5 = ${fmt(limit, 3)} ms: ${ok ? 'PASS' : 'FAIL'}`);
    }
  } else parts.push('p50 target: not computable ((a) or (e) missing)');
  for (const c of [1, HIGH_CONCURRENCY]) {
    const proxy = get('(c)', c);
    for (const b of rows.filter((r) => r.path === '(b)' && r.concurrency === c)) {
      if (!proxy || !Number.isFinite(proxy.p50) || !Number.isFinite(b.p50)) {
        parts.push(`${b.label} c=${c} vs mcp-proxy: not computable`);
        vsProxyOk = false;
        continue;
      }
      const ok = b.p50 < proxy.p50 && b.callsPerSec > proxy.callsPerSec;
      vsProxyOk = (vsProxyOk ?? true) && ok;
      parts.push(
        `${b.label} c=${c} vs mcp-proxy: p50 ${fmt(b.p50, 3)} vs ${fmt(proxy.p50, 3)} ms, p99 ${fmt(b.p99, 3)} vs ${fmt(proxy.p99, 3)} ms, ${fmt(b.callsPerSec, 0)} vs ${fmt(proxy.callsPerSec, 0)} calls/s: ${ok ? 'BETTER' : 'NOT BETTER'}`,
      );
    }
  }
  const verdict = `TARGET ${p50Ok && vsProxyOk ? 'MET' : 'NOT MET'} (p50 <= (a)+(e)+0.5 ms: ${p50Ok === undefined ? 'n/a' : p50Ok ? 'yes' : 'no'}; better than mcp-proxy on p50 and calls/s at c=1 and c=32: ${vsProxyOk === undefined ? 'n/a' : vsProxyOk ? 'yes' : 'no'})`;
  return { text: [...parts, verdict].join('\n'), ...(p50Ok !== undefined ? { p50Ok } : {}), ...(vsProxyOk !== undefined ? { vsProxyOk } : {}) };
}

/** Renders the result as printable tables. */
export function formatRelay(r: RelayResult): string {
  const lat = table([
    ['path', 'transport', 'concurrency', 'p50 ms', 'p99 ms', 'calls/s', 'p50 ratio vs (a)', 'calls', 'errors', 'note'],
    ...r.latency.map((x) => [
      x.path,
      x.label,
      String(x.concurrency),
      fmt(x.p50, 3),
      fmt(x.p99, 3),
      fmt(x.callsPerSec, 0),
      x.ratioVsFloor === undefined ? '-' : `${fmt(x.ratioVsFloor, 2)}x`,
      String(x.calls),
      String(x.errors),
      [x.note, x.error ? `error: ${x.error.slice(0, 120)}` : undefined].filter(Boolean).join('; '),
    ]),
  ]);
  const mem = table([
    ['store', 'idle sessions', 'FlowLink RSS', 'baseline RSS', 'upstream children RSS', 'target', 'within target', 'note'],
    ...r.memory.map((m) => [
      m.store === 'postgres' ? 'PostgreSQL' : 'PGlite',
      String(m.sessions),
      m.rssMB === undefined ? '-' : `${fmt(m.rssMB, 1)} MB`,
      m.rssBaselineMB === undefined ? '-' : `${fmt(m.rssBaselineMB, 1)} MB`,
      m.childrenRssMB === undefined ? '-' : `${fmt(m.childrenRssMB, 1)} MB`,
      `${m.targetMB} MB`,
      m.withinTarget === undefined ? '-' : m.withinTarget ? 'yes' : 'NO',
      m.error ? `error: ${m.error.slice(0, 160)}` : '',
    ]),
  ]);
  return [
    'Relay latency: tools/call echo {message:"hi"} (ms; c=32 is 32 clients/sessions in parallel unless noted)',
    lat,
    '',
    r.target.text,
    '',
    'FlowLink resident memory (separate process, VmRSS from /proc; upstream children not included in FlowLink RSS)',
    mem,
  ].join('\n');
}
