import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { startFlowLink, servers, ROOT, type Running } from '../helpers/flowlink.ts';

// The MCP inspector's CLI (a second, independent client implementation) against FlowLink.
// Its v1 launcher looks for a sibling package that clashes with the SDK's, so its CLI
// entry point is run directly.
const INSPECTOR = resolve(ROOT, 'node_modules/@modelcontextprotocol/inspector-cli/build/index.js');
const run = promisify(execFile);
let fl: Running;

before(async () => {
  fl = await startFlowLink({ servers: { files: servers.files, memory: servers.memory } });
});
after(async () => {
  await fl?.stop();
});

async function inspector(path: string, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [INSPECTOR, `${fl.url}${path}`, '--transport', 'http', '--header', `Authorization: Bearer ${fl.token}`, ...args], { cwd: resolve(ROOT, 'test'), timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const names = (r: Record<string, unknown>) => (r.tools as { name: string }[]).map((t) => t.name);

test('inspector CLI lists and calls server-filesystem and server-memory through /mcp/<server>', async () => {
  assert.ok(names(await inspector('/mcp/files', '--method', 'tools/list')).includes('list_directory'));
  const dir = await inspector('/mcp/files', '--method', 'tools/call', '--tool-name', 'list_directory', '--tool-arg', `path=${resolve(ROOT, 'demo/files')}`);
  assert.match(JSON.stringify(dir.content), /README\.md/);
  assert.ok(names(await inspector('/mcp/memory', '--method', 'tools/list')).includes('read_graph'));
  const graph = await inspector('/mcp/memory', '--method', 'tools/call', '--tool-name', 'read_graph');
  assert.match(JSON.stringify(graph.content), /entities/);
});

test('inspector CLI lists and calls both servers through the aggregate /mcp', async () => {
  const all = names(await inspector('/mcp', '--method', 'tools/list'));
  assert.ok(all.includes('files__list_directory') && all.includes('memory__read_graph'));
  const dir = await inspector('/mcp', '--method', 'tools/call', '--tool-name', 'files__list_directory', '--tool-arg', `path=${resolve(ROOT, 'demo/files')}`);
  assert.match(JSON.stringify(dir.content), /README\.md/);
  const graph = await inspector('/mcp', '--method', 'tools/call', '--tool-name', 'memory__read_graph');
  assert.match(JSON.stringify(graph.content), /entities/);
});
