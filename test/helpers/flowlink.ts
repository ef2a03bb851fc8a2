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

/** Boots a FlowLink on an ephemeral port with a fresh in-memory store (or PostgreSQL) and one agent. */
export async function startFlowLink(overrides: Partial<Record<keyof Config, unknown>> = {}, opts: { postgres?: boolean } = {}): Promise<Running> {
  const config = ConfigSchema.parse({ listen: { port: 0 }, servers: { everything: servers.everything }, ...overrides });
  const store = await openStore(opts.postgres ? { url: PG_URL, data: '' } : { data: 'memory://' });
  const fl = await createFlowLink({ config, baseDir: ROOT, store, logger: silentLogger });
  const org = await fl.agents.ensureOrg(DEFAULT_ORG);
  const { token } = await fl.agents.create(org.id, `test-agent-${Math.random().toString(36).slice(2, 8)}`);
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
