import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, servers, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';
import { auditRepo } from '../../src/audit/audit.repo.ts';

let fl: Running;
before(async () => {
  fl = await startFlowLink({ servers: servers });
});
after(async () => {
  await fl?.stop();
});

for (const era of ['2025-11-25', '2026-07-28'] as const) {
  const modern = era === '2026-07-28';

  test(`${era}: /mcp/everything is transparent (tools, resources, prompts)`, async () => {
    const c = await connectClient(`${fl.url}/mcp/everything`, fl.token, { modern });
    try {
      assert.equal(c.client.getNegotiatedProtocolVersion(), era);
      const { tools } = await c.client.listTools();
      assert.ok(tools.some((t) => t.name === 'echo'), 'echo tool listed');
      const res = await c.client.callTool({ name: 'echo', arguments: { message: `hi ${era}` } });
      assert.deepEqual(res.content, [{ type: 'text', text: `Echo: hi ${era}` }]);
      const { resources } = await c.client.listResources();
      assert.ok(resources.length > 0);
      const read = await c.client.readResource({ uri: resources[0]!.uri });
      assert.ok(read.contents.length > 0);
      const { prompts } = await c.client.listPrompts();
      assert.ok(prompts.some((p) => p.name === 'simple-prompt'));
    } finally {
      await c.close();
    }
  });

  test(`${era}: /mcp aggregates every server with <server>__<tool> names`, async () => {
    const c = await connectClient(`${fl.url}/mcp`, fl.token, { modern });
    try {
      const { tools } = await c.client.listTools();
      const names = tools.map((t) => t.name);
      for (const n of ['everything__echo', 'files__list_directory', 'memory__read_graph']) assert.ok(names.includes(n), `${n} listed`);
      const echo = await c.client.callTool({ name: 'everything__echo', arguments: { message: 'agg' } });
      assert.deepEqual(echo.content, [{ type: 'text', text: 'Echo: agg' }]);
      const dir = await c.client.callTool({ name: 'files__list_directory', arguments: { path: `${process.cwd()}/demo/files` } });
      assert.match(JSON.stringify(dir.content), /README\.md/);
      const graph = await c.client.callTool({ name: 'memory__read_graph', arguments: {} });
      assert.equal(graph.isError ?? false, false);
      await assert.rejects(c.client.callTool({ name: 'nosuch__tool', arguments: {} }), /unknown tool/);
    } finally {
      await c.close();
    }
  });

  test(`${era}: progress notifications reach the caller with its own token`, async () => {
    const c = await connectClient(`${fl.url}/mcp/everything`, fl.token, { modern });
    try {
      const seen: number[] = [];
      const res = await c.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, { onprogress: (p) => seen.push(p.progress) });
      assert.equal(res.isError ?? false, false);
      assert.deepEqual(seen, [1, 2, 3]);
    } finally {
      await c.close();
    }
  });
}

test('every tools/call is in the audit log and command history before the result returns', async () => {
  const c = await connectClient(`${fl.url}/mcp/everything`, fl.token);
  try {
    await c.client.callTool({ name: 'echo', arguments: { message: 'audited' } });
    const rows = await auditRepo.history(fl.fl.store, { orgId: fl.orgId, limit: 200 });
    const row = rows.find((r) => (r.arguments as { message?: string }).message === 'audited');
    assert.ok(row, 'call recorded');
    assert.equal(row.server, 'everything');
    assert.equal(row.tool, 'echo');
    assert.equal(row.status, 'ok');
    assert.equal(row.protocol, '2025-11-25');
    assert.deepEqual(row.client, { name: 'flowlink-test', version: '1.0.0' });
    assert.ok(row.duration_ms >= 0);
  } finally {
    await c.close();
  }
});
