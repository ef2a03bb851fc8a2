import { resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ConfigSchema } from '../../src/config/schema.ts';
import { createFlowLink, type FlowLink } from '../../src/app.ts';
import { openStore } from '../../src/store/open.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { DEFAULT_ORG } from '../../src/identity/agents.service.ts';
import { createEdgeAuth } from '../../src/gateway/auth.ts';
import type { DecideInput, DecideOutcome } from '../../src/pipeline/decide.ts';
import { registerDecideApi } from '../../src/http/decide.routes.ts';
import Fastify, { type FastifyInstance } from 'fastify';
import { ROOT } from '../helpers/flowlink.ts';

export const FIXTURES = resolve(ROOT, 'test/hooks/fixtures');
export const HOOK_BIN = resolve(ROOT, 'bin/flowlink-hook.js');
export const fixture = (name: string) => readFileSync(resolve(FIXTURES, name), 'utf8');

export interface HookFlowLink {
  fl: FlowLink;
  url: string;
  token: string;
  orgId: string;
  stop(): Promise<void>;
}

/** A FlowLink (which serves POST /api/v1/decide) with one agent; see the comment on `opts.decide`. */
export async function startHookFlowLink(opts: { maxWaitMs?: number; onTimeout?: 'ask' | 'deny'; decide?: (i: DecideInput) => Promise<DecideOutcome>; approvals?: boolean } = {}): Promise<HookFlowLink> {
  const config = ConfigSchema.parse({ listen: { port: 0 }, servers: {}, ...(opts.approvals ? { approvals: {} } : {}) });
  const store = await openStore({ data: 'memory://' });
  const fl = await createFlowLink({ config, baseDir: ROOT, store, logger: silentLogger });
  // FlowLink serves the decide route itself; a custom decide (e.g. one that never answers,
  // to test the wait limit) gets the same route on an app of its own.
  let extra: FastifyInstance | undefined;
  if (opts.decide) {
    extra = Fastify({ logger: false });
    registerDecideApi(extra, { authenticate: createEdgeAuth({ agents: fl.agents, anonymous: { enabled: false, agent: 'anonymous' } }), decide: opts.decide, maxWaitMs: opts.maxWaitMs ?? 5_000, ...(opts.onTimeout ? { onTimeout: opts.onTimeout } : {}) });
  }
  const org = await fl.agents.ensureOrg(DEFAULT_ORG);
  const { token } = await fl.agents.create(org.id, `hook-agent-${Math.random().toString(36).slice(2, 8)}`);
  const url = await (extra ?? fl.app).listen({ host: '127.0.0.1', port: 0 });
  return {
    fl,
    url,
    token,
    orgId: org.id,
    async stop() {
      await extra?.close();
      await fl.close();
      await store.close();
    },
  };
}

export interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | undefined;
  ms: number;
}

/** Spawns the hook as the client would: payload on stdin, answer on stdout. */
export function runHookProcess(args: string[], stdin: string, env: Record<string, string | undefined>, entry: string[] = [HOOK_BIN]): Promise<HookRun> {
  return new Promise((resolveRun, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...entry, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown> | undefined;
      try {
        json = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      resolveRun({ code, stdout, stderr, json, ms: performance.now() - t0 });
    });
    child.stdin.end(stdin);
  });
}
