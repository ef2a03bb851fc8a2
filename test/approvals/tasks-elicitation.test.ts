import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, servers, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';
import { DEFAULT_ORG } from '../../src/identity/agents.service.ts';

// Issue 5, the agent-side channels of a held call: the Tasks extension (a 2026-07-28 agent
// gets a task to poll instead of a request held open for hours) and MCP elicitation (the
// agent's own client asks its user; opt-in per org, weaker, single-approver requests only).

const policies = {
  rules: [
    { id: 'echo-needs-a-human', effect: 'approve', match: { tools: ['everything__echo'] } },
    { id: 'sum-needs-two', effect: 'approve', approvers: 2, match: { tools: ['everything__get-sum'] } },
  ],
};
let fl: Running;
before(async () => {
  fl = await startFlowLink({ servers: { everything: servers.everything }, policies, approvals: { elicitation: { orgs: [DEFAULT_ORG] }, tasks: { pollInterval: '1s', ttl: '10m' } } });
});
after(async () => {
  await fl?.stop();
});

const TASKS = 'io.modelcontextprotocol/tasks';
let nextId = 1;
/** One stateless (2026-07-28) request, as a client that speaks the Tasks extension sends it. */
async function modern(method: string, params: Record<string, unknown>, opts: { tasks?: boolean; token?: string } = {}) {
  const caps = opts.tasks === false ? {} : { extensions: { [TASKS]: {} } };
  const name = (params.name ?? params.taskId) as string | undefined;
  const res = await fetch(`${fl.url}/mcp/everything`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${opts.token ?? fl.token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(name ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: nextId++,
      method,
      params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': caps, 'io.modelcontextprotocol/clientInfo': { name: 'tasks-test', version: '1' } } },
    }),
  });
  const text = await res.text();
  // Results may come as one SSE event or as JSON.
  const json = text.startsWith('{') ? text : (text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).at(-1) ?? '');
  return JSON.parse(json) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
}

async function pendingFor(tool: string) {
  for (let i = 0; i < 100; i++) {
    const p = (await fl.fl.approvals!.service.list(fl.orgId, { state: 'pending' })).find((r) => r.tool === tool);
    if (p) return p;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no pending request for ${tool}`);
}

async function approver(name: string) {
  const u = `u_${name}_${Math.random().toString(36).slice(2, 8)}`;
  return { type: 'user' as const, id: u, name };
}

test('server/discover advertises the Tasks extension', async () => {
  const r = await modern('server/discover', {});
  const caps = r.result?.capabilities as { extensions?: Record<string, unknown> };
  assert.deepEqual(caps.extensions?.[TASKS], {});
});

test('a held call becomes a task: working while it waits, completed with the real result once approved', async () => {
  const created = await modern('tools/call', { name: 'echo', arguments: { message: 'held as a task' } });
  const task = created.result!;
  assert.equal(task.resultType, 'task');
  assert.equal(task.status, 'working');
  assert.match(String(task.statusMessage), /Waiting for human approval \(request apr_/);
  assert.ok(Number.isInteger(task.ttlMs) && Number.isInteger(task.pollIntervalMs), 'ttlMs and pollIntervalMs are integers');
  assert.equal(task.pollIntervalMs, 1000);
  assert.ok(!('task' in task) && !('result' in task), 'CreateTaskResult is flat and carries no result');
  const taskId = String(task.taskId);

  const working = await modern('tasks/get', { taskId });
  assert.equal(working.result?.status, 'working');
  assert.equal(working.result?.resultType, 'complete');

  const req = await pendingFor('echo');
  await fl.fl.approvals!.service.decide(fl.orgId, req.id, await approver('Olga'), { action: 'approve', channel: 'api' });
  let done: Record<string, unknown> | undefined;
  for (let i = 0; i < 100 && done?.status !== 'completed'; i++) {
    done = (await modern('tasks/get', { taskId })).result;
    if (done?.status !== 'completed') await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(done?.status, 'completed');
  assert.match(JSON.stringify((done!.result as { content: unknown }).content), /held as a task/);
});

test('a denied task fails with the approver and the reason; another agent cannot see the task', async () => {
  const created = await modern('tools/call', { name: 'echo', arguments: { message: 'to be denied' } });
  const taskId = String(created.result!.taskId);
  const other = (await fl.fl.agents.create(fl.orgId, `other-${Math.random().toString(36).slice(2, 6)}`)).token;
  const foreign = await modern('tasks/get', { taskId }, { token: other });
  assert.equal(foreign.error?.code, -32602, 'a task is bound to the agent that created it');
  assert.doesNotMatch(JSON.stringify(foreign), /to be denied/);

  const req = await pendingFor('echo');
  await fl.fl.approvals!.service.decide(fl.orgId, req.id, await approver('Ivan'), { action: 'deny', channel: 'api', reason: 'not on a Friday' });
  let t: Record<string, unknown> | undefined;
  for (let i = 0; i < 100 && t?.status !== 'failed'; i++) {
    t = (await modern('tasks/get', { taskId })).result;
    if (t?.status !== 'failed') await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(t?.status, 'failed');
  assert.match(String((t!.error as { message: string }).message), /Denied by Ivan: not on a Friday/);
  assert.equal('result' in t!, false);
});

test('tasks/cancel withdraws the approval request; cancel is idempotent; unknown ids are -32602', async () => {
  const created = await modern('tools/call', { name: 'echo', arguments: { message: 'cancel me' } });
  const taskId = String(created.result!.taskId);
  const req = await pendingFor('echo');
  const ack = await modern('tasks/cancel', { taskId });
  assert.deepEqual(ack.result, { resultType: 'complete' });
  assert.equal((await modern('tasks/get', { taskId })).result?.status, 'cancelled');
  let state = '';
  for (let i = 0; i < 100 && state !== 'cancelled'; i++) {
    state = (await fl.fl.approvals!.service.get(fl.orgId, req.id))!.state;
    if (state !== 'cancelled') await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(state, 'cancelled');
  assert.deepEqual((await modern('tasks/cancel', { taskId })).result, { resultType: 'complete' });
  assert.equal((await modern('tasks/get', { taskId: 'task_nope' })).error?.code, -32602);
});

test('without the extension declared, tasks/* are refused with -32021 and a held call stays a plain call', async () => {
  for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
    const r = await modern(method, { taskId: 'x', ...(method === 'tasks/update' ? { inputResponses: {} } : {}) }, { tasks: false });
    assert.equal(r.error?.code, -32021, method);
    assert.match(r.error!.message, /io\.modelcontextprotocol\/tasks/);
  }
  const call = modern('tools/call', { name: 'echo', arguments: { message: 'plain hold' } }, { tasks: false });
  const req = await pendingFor('echo');
  await fl.fl.approvals!.service.decide(fl.orgId, req.id, await approver('Anna'), { action: 'approve', channel: 'api' });
  const r = await call;
  assert.equal(r.result?.resultType, 'complete');
  assert.match(JSON.stringify(r.result?.content), /plain hold/);
});

for (const modernEra of [false, true]) {
  const era = modernEra ? '2026-07-28' : '2025-11-25';
  test(`${era}: the agent's own client is asked (elicitation) and its approval runs the call, recorded as the elicitation channel`, async () => {
    const c = await connectClient(`${fl.url}/mcp/everything`, fl.token, { modern: modernEra, capabilities: { elicitation: { form: {} } } });
    let asked = '';
    c.client.setRequestHandler('elicitation/create', async (req) => {
      asked = String((req.params as { message?: string }).message);
      return { action: 'accept', content: { decision: 'approve', reason: 'I started this' } } as never;
    });
    try {
      const r = await c.client.callTool({ name: 'echo', arguments: { message: `asked in the client ${era}` } });
      assert.match(JSON.stringify(r.content), new RegExp(`asked in the client ${era}`));
      assert.match(asked, /FlowLink holds a call for approval: everything \/ echo/);
      const done = (await fl.fl.approvals!.service.list(fl.orgId, { state: 'approved' })).find((x) => JSON.stringify(x.arguments).includes(`asked in the client ${era}`));
      assert.equal(done?.decidedChannel, 'elicitation');
      assert.equal(done?.decisionReason, 'I started this');
    } finally {
      await c.close();
    }
  });
}

test('elicitation cannot approve a request that needs two approvers: the form offers deny only, and an approve is ignored', async () => {
  const c = await connectClient(`${fl.url}/mcp/everything`, fl.token, { capabilities: { elicitation: { form: {} } } });
  let offered: unknown;
  c.client.setRequestHandler('elicitation/create', async (req) => {
    offered = (req.params as unknown as { requestedSchema: { properties: { decision: { enum: string[] } } } }).requestedSchema.properties.decision.enum;
    return { action: 'accept', content: { decision: 'approve' } } as never;
  });
  try {
    const call = c.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
    const req = await pendingFor('get-sum');
    for (let i = 0; i < 100 && offered === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(offered, ['deny']);
    assert.equal((await fl.fl.approvals!.service.get(fl.orgId, req.id))!.state, 'pending', 'the elicitation approve did not count');
    await fl.fl.approvals!.service.decide(fl.orgId, req.id, await approver('A'), { action: 'approve', channel: 'api' });
    await fl.fl.approvals!.service.decide(fl.orgId, req.id, await approver('B'), { action: 'approve', channel: 'api' });
    const r = await call;
    assert.match(JSON.stringify(r.content), /3/);
  } finally {
    await c.close();
  }
});

test('an org that did not opt in is never asked through the client', async () => {
  const other = await startFlowLink({ servers: { everything: servers.everything }, policies, approvals: {} });
  const c = await connectClient(`${other.url}/mcp/everything`, other.token, { capabilities: { elicitation: { form: {} } } });
  let asked = false;
  c.client.setRequestHandler('elicitation/create', async () => {
    asked = true;
    return { action: 'accept', content: { decision: 'approve' } } as never;
  });
  try {
    const call = c.client.callTool({ name: 'echo', arguments: { message: 'web only' } });
    let req;
    for (let i = 0; i < 100 && !req; i++) {
      req = (await other.fl.approvals!.service.list(other.orgId, { state: 'pending' }))[0];
      if (!req) await new Promise((r) => setTimeout(r, 50));
    }
    await other.fl.approvals!.service.decide(other.orgId, req!.id, await approver('Web'), { action: 'approve', channel: 'web' });
    await call;
    assert.equal(asked, false);
  } finally {
    await c.close();
    await other.stop();
  }
});
