import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { errorResponse, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.ts';
import type { Router, Target } from './router.ts';
import type { Registry } from './registry.ts';
import { AGGREGATE_CAPABILITIES } from './aggregate.ts';
import { checkModernRequest, decorateModernResult, META, metaOf, MODERN_METHODS, MODERN_VERSIONS } from './era.ts';
import { ModernPeer, createContinuations, modernLogLevel } from './modern.ts';
import { ResponseChannel, SseWriter } from './sse.ts';
import type { Peer } from './upstream.ts';
import type { Authenticated } from './auth.ts';
import { FLOWLINK_CLIENT_INFO } from './registry.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { randomId } from '../lib/secure-compare.ts';
import type { TaskDetach } from '../pipeline/types.ts';
import { declaresTasks, MISSING_CAPABILITY, TASK_METHODS, TASKS_EXTENSION, type TaskStore } from './tasks.ts';

/** Tasks for held calls (present when the approval queue is on). */
export interface ModernTasks {
  store: TaskStore;
  /** Withdraws the approval request a cancelled task waits on (it may be held by another instance). */
  withdraw(orgId: string, approvalId: string): Promise<unknown>;
}

const INPUT_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The stateless protocol revision (2026-07-28). Every request stands alone: FlowLink
 * answers server/discover itself, relays to the session-based upstream connection,
 * decorates results for modern clients, turns upstream server-to-client requests into
 * InputRequiredResults, and serves subscriptions/listen from upstream notifications.
 * Nothing here depends on earlier requests, so any FlowLink instance can serve any request
 * (except the retry of an InputRequiredResult, which must reach the instance that parked it).
 */
export function createModernService(deps: { router: Router; registry: Registry; tasks?: ModernTasks | undefined }) {
  const { router, registry } = deps;
  const tasks = deps.tasks;
  const continuations = createContinuations();

  async function serverInfo(target: Target, peer: Peer): Promise<{ name: string; version: string }> {
    if (target.kind === 'aggregate') return FLOWLINK_CLIENT_INFO;
    return (await registry.get(target.server, peer).ready()).serverInfo;
  }

  /** FlowLink's own extension: held calls become tasks (only when it can hold calls). */
  function withTasks(caps: Record<string, unknown>): Record<string, unknown> {
    if (!tasks) return caps;
    const ext = (caps.extensions as Record<string, unknown> | undefined) ?? {};
    return { ...caps, extensions: { ...ext, [TASKS_EXTENSION]: {} } };
  }

  async function discover(target: Target, req: JsonRpcRequest, peer: Peer): Promise<JsonRpcResponse> {
    if (target.kind === 'aggregate') {
      return { jsonrpc: '2.0', id: req.id, result: { supportedVersions: MODERN_VERSIONS, capabilities: withTasks(AGGREGATE_CAPABILITIES), instructions: `Tools from servers ${registry.names().join(', ')}, named <server>__<tool>.` } };
    }
    try {
      const init = await registry.get(target.server, peer).ready();
      const { logging: _l, ...caps } = init.capabilities as Record<string, unknown>;
      void _l;
      return { jsonrpc: '2.0', id: req.id, result: { supportedVersions: MODERN_VERSIONS, capabilities: withTasks({ ...caps, ...(init.capabilities.logging ? { logging: {} } : {}) }), ...(init.instructions ? { instructions: init.instructions } : {}) } };
    } catch (err) {
      const e = err instanceof FlowLinkError ? err : new FlowLinkError('upstream_unavailable', String(err));
      return errorResponse(req.id, e.rpc, e.message);
    }
  }

  async function finish(channel: ResponseChannel, req: JsonRpcRequest, target: Target, peer: Peer, response: JsonRpcResponse) {
    const out = { ...response, id: req.id } as JsonRpcResponse;
    if ('result' in out) {
      const info = await serverInfo(target, peer).catch(() => undefined);
      out.result = decorateModernResult(req.method, out.result, info);
    }
    channel.finish(out);
  }

  async function handle(a: { auth: Authenticated; target: Target; req: JsonRpcRequest; headers: IncomingHttpHeaders; res: ServerResponse }): Promise<void> {
    const { req, res, target, auth } = a;
    const problem = checkModernRequest(req, a.headers);
    if (problem) return sendJson(res, problem.status, errorResponse(req.id, problem.code, problem.message, problem.data));
    const meta = metaOf(req)!;
    const caps = meta[META.clientCapabilities] as Record<string, unknown>;
    if (tasks && TASK_METHODS.has(req.method)) return taskMethod(a, caps);
    if (!MODERN_METHODS.has(req.method)) return sendJson(res, 404, errorResponse(req.id, -32601, `Method not found: ${req.method}`));
    const peer = new ModernPeer(caps, modernLogLevel(meta));
    const channel = new ResponseChannel(res, {});
    peer.channel = channel;

    if (req.method === 'subscriptions/listen') return listen(a, caps);
    if (req.method === 'server/discover') {
      const r = await discover(target, req, peer);
      await finish(channel, req, target, peer, r);
      return registry.release(peer);
    }

    const params = req.params ?? {};
    const ac = new AbortController();
    // In this revision, closing the response stream is how a client cancels.
    res.on('close', () => {
      if (!channel.done) ac.abort();
    });

    let response: Promise<JsonRpcResponse>;
    let current = peer;
    // A held call of an agent that declared the Tasks extension is answered with a task.
    let detached: TaskDetach | undefined;
    let onDetach: ((t: TaskDetach) => void) | undefined;
    const detachedNow = new Promise<'task'>((resolve) => (onDetach = (t) => ((detached = t), resolve('task'))));
    const taskable = tasks !== undefined && req.method === 'tools/call' && declaresTasks(caps);
    if (typeof params.requestState === 'string' && INPUT_METHODS.has(req.method)) {
      const c = continuations.take(params.requestState, auth.identity.agentId, req.method);
      if (!c) return channel.finish(errorResponse(req.id, -32602, 'Invalid params: requestState is unknown or expired (input must be answered within 10 minutes, on the same FlowLink instance)'));
      const inputs = (params.inputResponses ?? {}) as Record<string, unknown>;
      const missing = c.peer.answer(inputs);
      if (missing.length) {
        c.peer.cancel();
        c.abort.abort();
        return channel.finish(errorResponse(req.id, -32602, `Invalid params: inputResponses is missing ${missing.map((k) => `"${k}"`).join(', ')}`));
      }
      current = c.peer;
      current.channel = channel;
      response = c.response;
      res.on('close', () => {
        if (!channel.done) c.abort.abort();
      });
    } else {
      const { inputResponses: _i, requestState: _s, ...clean } = params;
      void _i;
      void _s;
      response = router.handle(
        {
          identity: auth.identity,
          tokenHash: auth.tokenHash,
          sessionId: undefined,
          protocol: MODERN_VERSIONS[0]!,
          client: meta[META.clientInfo] as { name?: string; version?: string } | undefined,
          clientCapabilities: caps,
          peer,
          target,
          signal: ac.signal,
          ...(taskable ? { detach: (t: TaskDetach) => onDetach?.(t) } : {}),
        },
        { ...req, params: clean },
      );
    }

    const step = taskable ? await Promise.race([current.step(response), detachedNow]) : await current.step(response);
    if (detached && !(step !== 'task' && step.kind === 'done')) return startTask(channel, req, target, current, response, ac, auth, detached);
    if (step === 'task') throw new Error('unreachable: a task without its detach record');
    if (step.kind === 'done') {
      await finish(channel, req, target, current, step.response);
      return registry.release(current);
    }
    const state = continuations.park({ peer: current, response, agentId: auth.identity.agentId, method: req.method, abort: ac });
    current.channel = undefined;
    channel.finish({ jsonrpc: '2.0', id: req.id, result: { resultType: 'input_required', inputRequests: step.requests, requestState: state } });
  }

  /** Answers a held call with a CreateTaskResult; the call goes on and its outcome lands in the task. */
  async function startTask(channel: ResponseChannel, req: JsonRpcRequest, target: Target, peer: ModernPeer, response: Promise<JsonRpcResponse>, ac: AbortController, auth: Authenticated, t: TaskDetach) {
    const store = tasks!.store;
    let body: Record<string, unknown>;
    try {
      body = await store.create({ orgId: auth.identity.orgId, agentId: auth.identity.agentId, approvalId: t.approvalId, message: t.message, expiresAt: t.expiresAt, peer, abort: ac });
    } catch {
      // No task row, no task: the agent waits on this response as it would without the extension.
      const step = await peer.step(response);
      if (step.kind === 'done') await finish(channel, req, target, peer, step.response);
      else channel.finish(errorResponse(req.id, -32603, 'the call needs input but could not be turned into a task'));
      return registry.release(peer);
    }
    peer.channel = undefined;
    channel.finish({ jsonrpc: '2.0', id: req.id, result: body });
    const taskId = String(body.taskId);
    void response
      .then((r) => store.finish(taskId, r))
      .catch(() => store.finish(taskId, errorResponse(req.id, -32603, 'internal error')))
      .finally(() => void registry.release(peer));
  }

  /** tasks/get, tasks/update, tasks/cancel: bound to the org and agent that created the task. */
  async function taskMethod(a: { auth: Authenticated; req: JsonRpcRequest; res: ServerResponse }, caps: Record<string, unknown>) {
    const { req, res, auth } = a;
    if (!declaresTasks(caps)) {
      return sendJson(res, 200, errorResponse(req.id, MISSING_CAPABILITY, `Missing required client capability: declare the "${TASKS_EXTENSION}" extension in _meta["${META.clientCapabilities}"].extensions to use ${req.method}`));
    }
    const store = tasks!.store;
    const taskId = req.params?.taskId;
    if (typeof taskId !== 'string' || !taskId) return sendJson(res, 200, errorResponse(req.id, -32602, 'Invalid params: "taskId" must be a non-empty string'));
    const { orgId, agentId } = auth.identity;
    const unknown = () => sendJson(res, 200, errorResponse(req.id, -32602, `Invalid params: no task "${taskId}" (unknown, expired, or not this agent's)`));
    const ok = (result: Record<string, unknown>) => sendJson(res, 200, { jsonrpc: '2.0', id: req.id, result: decorateModernResult(req.method, result, undefined) });
    if (req.method === 'tasks/get') {
      const t = await store.get(taskId, orgId, agentId);
      return t ? ok(t) : unknown();
    }
    if (req.method === 'tasks/update') {
      const responses = req.params?.inputResponses;
      if (typeof responses !== 'object' || responses === null || Array.isArray(responses)) return sendJson(res, 200, errorResponse(req.id, -32602, 'Invalid params: "inputResponses" must be an object'));
      const r = await store.update(taskId, orgId, agentId, responses as Record<string, unknown>);
      if (!r) return unknown();
      if (r.unknown.length) return sendJson(res, 200, errorResponse(req.id, -32602, `Invalid params: the task is not waiting for ${r.unknown.map((k) => `"${k}"`).join(', ')}`));
      return ok({});
    }
    const r = await store.cancel(taskId, orgId, agentId);
    if (!r) return unknown();
    if (r.approvalId && !r.local) await tasks!.withdraw(orgId, r.approvalId).catch(() => undefined);
    return ok({});
  }

  /** subscriptions/listen: a long-lived SSE stream of the notifications the client opted into. */
  async function listen(a: { auth: Authenticated; target: Target; req: JsonRpcRequest; res: ServerResponse }, caps: Record<string, unknown>) {
    const { req, res, target } = a;
    const filter = (req.params?.notifications ?? {}) as Record<string, unknown>;
    const servers = target.kind === 'single' ? [target.server] : registry.names();
    const subId = req.id;
    const resourceUris = Array.isArray(filter.resourceSubscriptions) ? (filter.resourceSubscriptions as unknown[]).map(String) : [];
    const honored: Record<string, unknown> = {};
    const stamp = (n: JsonRpcNotification): JsonRpcNotification => ({ ...n, params: { ...n.params, _meta: { ...((n.params?._meta as object) ?? {}), [META.subscriptionId]: subId } } });
    let writer: SseWriter | undefined;
    const peer: Peer = {
      id: `listen-${randomId()}`,
      capabilities: caps,
      notify: (n) => writer?.send(stamp(n)),
      request: async () => errorResponse(0, -32601, 'a subscription cannot answer server requests'),
      wants: (n) => {
        if (n.method === 'notifications/tools/list_changed') return honored.toolsListChanged === true;
        if (n.method === 'notifications/prompts/list_changed') return honored.promptsListChanged === true;
        if (n.method === 'notifications/resources/list_changed') return honored.resourcesListChanged === true;
        if (n.method === 'notifications/resources/updated') return resourceUris.includes(String(n.params?.uri));
        return false;
      },
    };
    for (const s of servers) {
      let init;
      try {
        init = await registry.get(s, peer).ready();
      } catch {
        continue;
      }
      const c = init.capabilities as { tools?: { listChanged?: boolean }; prompts?: { listChanged?: boolean }; resources?: { listChanged?: boolean; subscribe?: boolean } };
      if (filter.toolsListChanged && c.tools?.listChanged) honored.toolsListChanged = true;
      if (filter.promptsListChanged && c.prompts?.listChanged) honored.promptsListChanged = true;
      if (filter.resourcesListChanged && c.resources?.listChanged) honored.resourcesListChanged = true;
      if (resourceUris.length && c.resources?.subscribe) {
        honored.resourceSubscriptions = resourceUris;
        for (const uri of resourceUris) void registry.get(s, peer).request(peer, { id: `sub-${randomId()}`, method: 'resources/subscribe', params: { uri } });
      }
    }
    if (Object.keys(honored).length === 0) {
      await registry.release(peer);
      return sendJson(res, 200, { jsonrpc: '2.0', id: req.id, result: { resultType: 'complete', _meta: { [META.subscriptionId]: subId } } });
    }
    writer = new SseWriter(res, {}, { keepaliveMs: 15_000 });
    writer.send(stamp({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: honored } }));
    res.on('close', () => void registry.release(peer));
  }

  return { handle, get pendingInputs() { return continuations.size; } };
}

export type ModernService = ReturnType<typeof createModernService>;
