import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { createFlowLink, type FlowLink } from '../../src/app.ts';
import { openStore } from '../../src/store/open.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Store } from '../../src/store/store.ts';
import { ROOT, servers } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';

// Policies and rate limits as an operator writes them in flowlink.yaml, enforced on live traffic.
const dir = mkdtempSync(join(tmpdir(), 'fl-policy-'));
const file = join(dir, 'flowlink.yaml');
const yaml = (extraRule = '') => `
servers:
  everything: { command: ${JSON.stringify(servers.everything.command)}, args: ${JSON.stringify(servers.everything.args)} }
policies:
  rules:
    - id: no-env-dump
      effect: deny
      reason: Environment dumps may contain credentials
      match: { tools: ["everything__get-env"] }
    - id: big-sums-need-a-human
      effect: approve
      match: { tools: ["get-sum"] }
      when: { args: { a: "1000000" } }
${extraRule}
rateLimits:
  limits:
    - id: tiny-echo
      match: { tools: ["echo"] }
      per: [agent]
      rate: 1/m
      burst: 3
`;

let store: Store;
let fl: FlowLink;
let url: string;
let token: string;
before(async () => {
  writeFileSync(file, yaml());
  store = await openStore({ data: 'memory://' });
  fl = await createFlowLink({ config: parseConfig(yaml(), file), baseDir: dir, store, logger: silentLogger, configFile: file });
  const org = await fl.agents.ensureOrg('default');
  token = (await fl.agents.create(org.id, 'policy-agent')).token;
  url = await fl.app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await fl?.close();
  await store?.close();
});

test('a denied tool is hidden from tools/list and a call to it says it was denied by policy, naming the rule', async () => {
  const c = await connectClient(`${url}/mcp/everything`, token);
  try {
    const names = (await c.client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('echo'));
    assert.ok(!names.includes('get-env'), 'hidden by no-env-dump');
    await assert.rejects(c.client.callTool({ name: 'get-env', arguments: {} }), /Denied by policy "no-env-dump": Environment dumps may contain credentials/);
  } finally {
    await c.close();
  }
});

test('a conditional approve rule holds only the calls it matches', async () => {
  const c = await connectClient(`${url}/mcp/everything`, token);
  try {
    const ok = await c.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
    assert.match(JSON.stringify(ok.content), /3/);
    await assert.rejects(c.client.callTool({ name: 'get-sum', arguments: { a: 1000000, b: 2 } }), /big-sums-need-a-human/);
  } finally {
    await c.close();
  }
});

test('a rate-limited call gets a JSON-RPC error with the retry-after time, and is recorded', async () => {
  const c = await connectClient(`${url}/mcp/everything`, token);
  try {
    for (let i = 0; i < 3; i++) await c.client.callTool({ name: 'echo', arguments: { message: `burst ${i}` } });
    await assert.rejects(c.client.callTool({ name: 'echo', arguments: { message: 'one too many' } }), /Rate limit "tiny-echo" exceeded; retry after \d+ s/);
    const rows = await store.query<{ status: string; error: string }>(`SELECT status, error FROM calls WHERE arguments->>'message' = 'one too many'`);
    assert.equal(rows[0]?.status, 'denied');
  } finally {
    await c.close();
  }
});

test('editing flowlink.yaml applies to new calls within a second, without dropping the session; a broken edit is rejected whole', async () => {
  const c = await connectClient(`${url}/mcp/everything`, token);
  try {
    await c.client.callTool({ name: 'get-tiny-image', arguments: {} });
    writeFileSync(file, yaml(`    - id: no-images\n      effect: deny\n      match: { tools: ["get-tiny-image"] }`));
    let denied = false;
    for (const deadline = Date.now() + 3000; Date.now() < deadline && !denied; ) {
      await new Promise((r) => setTimeout(r, 100));
      denied = await c.client.callTool({ name: 'get-tiny-image', arguments: {} }).then(() => false, (e: Error) => /no-images/.test(e.message));
    }
    assert.ok(denied, 'new rule applied on the open session');
    const version = fl.policy.current().version;
    writeFileSync(file, yaml(`    - id: broken\n      effect: maybe`));
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(fl.policy.current().version, version, 'previous version still active');
    assert.match(fl.policy.status().lastError?.message ?? "", /broken/);
  } finally {
    await c.close();
  }
});

test('an agent token scoped to some tools sees and calls only those', async () => {
  const org = await fl.agents.ensureOrg('default');
  const scoped = (await fl.agents.create(org.id, 'echo-only', { scopes: { servers: ['everything'], tools: ['echo'] } })).token;
  const c = await connectClient(`${url}/mcp/everything`, scoped);
  try {
    assert.deepEqual((await c.client.listTools()).tools.map((t) => t.name), ['echo']);
    await assert.rejects(c.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }), /does not include tool "get-sum"/);
  } finally {
    await c.close();
  }
});

