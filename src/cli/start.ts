import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from './args.ts';
import { print } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { createFlowLink } from '../app.ts';
import { createLogger } from '../lib/logger.ts';
import { InjectedValues, redactLogLine } from '../secrets/index.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';
import { ensureDemoAdmin } from './demo-admin.ts';

const DEMO_AGENT = 'demo-agent';

export const startCommand: Command = {
  name: 'start',
  summary: 'Run the FlowLink gateway',
  usage: `Usage: flowlink start [--config FILE] [--port N] [--host H] [--data DIR]

Starts FlowLink with flowlink.yaml from the current folder (or --config). Without a
config file it runs the demo: three MCP servers from npm and a demo agent token.
The store is PostgreSQL when DATABASE_URL (or store.url) is set, else the embedded
store in --data (default ./.flowlink).`,
  options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, host: { type: 'string' }, data: { type: 'string' } },
  async run({ values }, io) {
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const cfg = loaded.config;
    if (values.port !== undefined) {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: "${values.port}" is not a port number`);
      cfg.listen.port = port;
    }
    if (values.host) cfg.listen.host = values.host as string;
    // Injected secret values are taken out of every log line FlowLink writes.
    const secretValues = new InjectedValues();
    const logger = createLogger({ streamWrite: redactLogLine(secretValues) });
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    const dataDir = store.kind === 'pglite' ? (values.data ? resolve(io.cwd, values.data as string) : resolve(loaded.baseDir, cfg.store.data)) : undefined;
    const fl = await createFlowLink({ config: cfg, baseDir: loaded.baseDir, store, logger, dataDir, configFile: loaded.file, demo: loaded.demo, secretValues });
    const org = await fl.agents.ensureOrg(DEFAULT_ORG);
    let demoToken: string | undefined;
    let demoAdmin: { email: string; password: string } | undefined;
    if (loaded.demo) {
      const tokenFile = resolve(values.data ? resolve(io.cwd, values.data as string) : resolve(loaded.baseDir, cfg.store.data), 'demo-agent-token');
      demoToken = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined;
      if (!demoToken || !(await fl.agents.authenticate(demoToken))) {
        const existing = (await fl.agents.list(org.id)).find((a) => a.name === DEMO_AGENT);
        if (existing && !existing.revoked_at) await fl.agents.revoke(org.id, DEMO_AGENT);
        const name = existing ? `${DEMO_AGENT}-${Date.now().toString(36)}` : DEMO_AGENT;
        demoToken = (await fl.agents.create(org.id, name, { labels: { demo: 'true' } })).token;
        writeFileSync(tokenFile, demoToken + '\n', { mode: 0o600 });
      }
      // A console sign-in for the demo (docs/console.md): an owner of the default org.
      demoAdmin = await ensureDemoAdmin(store, org.id, dirname(tokenFile));
    }
    if (cfg.anonymous.enabled) logger.warn({ agent: cfg.anonymous.agent }, 'anonymous access is ON: loopback clients without a token act as this agent');
    const address = await fl.app.listen({ host: cfg.listen.host, port: cfg.listen.port });
    const base = address.replace('[::1]', 'localhost');
    await fl.audit.append({ orgId: org.id, kind: 'gateway.started', actor: { type: 'system', id: null }, outcome: 'success', data: { address: base, pid: process.pid, servers: fl.registry.names(), store: store.kind } });

    const lines = [
      `FlowLink is running${loaded.demo ? ' (demo configuration)' : ''} on ${store.kind === 'pglite' ? 'the embedded store' : 'PostgreSQL'}.`,
      `  MCP, all servers:   ${base}/mcp`,
      `  MCP, one server:    ${base}/mcp/<server>   servers: ${fl.registry.names().join(', ') || '(none configured)'}`,
      `  WebSocket:          ${base.replace(/^http/, 'ws')}/ws/mcp   (subprotocol "mcp")`,
      `  Health, metrics:    ${base}/healthz   ${base}/metrics`,
      `  Console:            ${base}/console/`,
    ];
    if (demoAdmin) lines.push(`  Console sign-in:    ${demoAdmin.email}   password: ${demoAdmin.password}`);
    if (demoToken) {
      lines.push(`  Demo agent token:   ${demoToken}`);
      lines.push('', 'Connect Claude Code:', `  claude mcp add --transport http flowlink ${base}/mcp --header "Authorization: Bearer ${demoToken}"`);
      lines.push('Other clients: npx flowlink setup <claude-code|cursor|vscode|windsurf|claude-desktop>');
    } else {
      lines.push('', 'Create an agent token with: npx flowlink agent create NAME');
    }
    print(io, lines.join('\n'));

    await new Promise<void>((done) => {
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        print(io, `\n${signal}: finishing in-flight calls and shutting down…`);
        await fl.audit.append({ orgId: org.id, kind: 'gateway.stopped', actor: { type: 'system', id: null }, outcome: 'success', data: { signal } }).catch(() => {});
        await fl.close();
        await store.close();
        done();
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
    return 0;
  },
};
