import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import { createFlowLink, type FlowLink } from '../../src/app.ts';
import { openStore } from '../../src/store/open.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { DEFAULT_ORG } from '../../src/identity/agents.service.ts';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const PG_URL = process.env.FLOWLINK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export const servers = {
  everything: { command: process.execPath, args: [resolve(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'] },
  files: { command: process.execPath, args: [resolve(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'), resolve(ROOT, 'demo/files')] },
  memory: { command: process.execPath, args: [resolve(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')], env: { MEMORY_FILE_PATH: '/tmp/flowlink-test-memory.jsonl' } },
};

export interface Running {
  fl: FlowLink;
  url: string;
  token: string;
  orgId: string;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL URL whose connections use a fresh private schema, so test files running in
 * parallel (and old data) never meet. Fails loudly when PostgreSQL is not there.
 */
export async function privatePgUrl(): Promise<string> {
  const schema = `t_${process.pid}_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = await openStore({ url: PG_URL, data: '' }).catch((err) => {
    throw new Error(`PostgreSQL is required for this test at ${PG_URL}: ${(err as Error).message}`);
  });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  return `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/**
 * Boots a FlowLink on an ephemeral port with a fresh in-memory store (or PostgreSQL, in a
 * private schema unless `pgUrl` names a shared one) and one agent (or the given token's).
 */
export async function startFlowLink(overrides: Partial<Record<keyof Config, unknown>> = {}, opts: { postgres?: boolean; pgUrl?: string; token?: string } = {}): Promise<Running> {
  const config = ConfigSchema.parse({ listen: { port: 0 }, servers: { everything: servers.everything }, ...overrides });
  const pgUrl = opts.pgUrl ?? (opts.postgres ? await privatePgUrl() : undefined);
  const store = await openStore(pgUrl ? { url: pgUrl, data: '' } : { data: 'memory://' });
  const fl = await createFlowLink({ config, baseDir: ROOT, store, logger: silentLogger });
  const org = await fl.agents.ensureOrg(DEFAULT_ORG);
  const token = opts.token ?? (await fl.agents.create(org.id, `test-agent-${Math.random().toString(36).slice(2, 8)}`)).token;
  const url = await fl.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    fl,
    url,
    token,
    orgId: org.id,
    async stop() {
      await fl.close();
      await store.close();
    },
  };
}
