import { errorResponse, type JsonRpcId, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.ts';
import type { Registry } from './registry.ts';
import type { RequestOrigin } from './router.ts';
import { JsonRpcCode } from '../lib/errors.ts';

type Forward = (server: string, req: { id: JsonRpcId; method: string; params?: Record<string, unknown> | undefined }) => Promise<JsonRpcResponse>;

const SEP = '__';
const MAX_PAGES = 50;

/** Capabilities of the aggregate endpoint: the union of what any upstream may offer. */
export const AGGREGATE_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
};

/**
 * The `/mcp` endpoint: every server the agent may use behind one MCP server. Tools and
 * prompts are named `<server>__<name>`; resources keep their URIs (agents and servers
 * rely on them) and get `<server>__` names, and reads are routed by the URI to the
 * server that listed it.
 */
export function createAggregate(registry: Registry, filterTools?: (o: RequestOrigin, server: string, tools: Record<string, unknown>[]) => Promise<Record<string, unknown>[]>) {
  /** uri -> server, learned from resources/list and templates. */
  const uriOwner = new Map<string, string>();
  const templatePrefixes: { prefix: string; server: string }[] = [];

  function splitName(name: string): { server: string; name: string } | undefined {
    const i = name.indexOf(SEP);
    if (i <= 0) return undefined;
    const server = name.slice(0, i);
    if (!registry.has(server)) return undefined;
    return { server, name: name.slice(i + SEP.length) };
  }

  /** Lists one kind across all servers, following cursors, namespacing each item. */
  async function listAll(o: RequestOrigin, method: string, key: string, id: JsonRpcId, forward: Forward, rename: (server: string, item: Record<string, unknown>) => Record<string, unknown>): Promise<JsonRpcResponse> {
    const servers = registry.names();
    const lists = await Promise.all(
      servers.map(async (server) => {
        const items: Record<string, unknown>[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const res = await forward(server, { id, method, params: cursor ? { cursor } : {} });
          if ('error' in res) {
            // A server that lacks this capability (or is down) contributes what it listed so far; the rest still list.
            break;
          }
          items.push(...((res.result[key] as Record<string, unknown>[] | undefined) ?? []));
          cursor = res.result.nextCursor as string | undefined;
          if (!cursor) break;
        }
        return method === 'tools/list' && filterTools ? filterTools(o, server, items) : items;
      }),
    );
    return { jsonrpc: '2.0', id, result: { [key]: lists.flatMap((items, i) => items.map((it) => rename(servers[i]!, it))) } };
  }

  function ownerOfUri(uri: string): string | undefined {
    const owner = uriOwner.get(uri);
    if (owner) return owner;
    let best: { prefix: string; server: string } | undefined;
    for (const t of templatePrefixes) if (uri.startsWith(t.prefix) && (!best || t.prefix.length > best.prefix.length)) best = t;
    return best?.server;
  }

  return {
    splitName,
    async handle(o: RequestOrigin, req: JsonRpcRequest, forward: Forward): Promise<JsonRpcResponse> {
      const p = req.params ?? {};
      switch (req.method) {
        case 'initialize':
          return errorResponse(req.id, JsonRpcCode.InvalidRequest, 'initialize is handled by the session layer');
        case 'tools/list':
          return listAll(o, 'tools/list', 'tools', req.id, forward, (s, t) => ({ ...t, name: `${s}${SEP}${t.name as string}` }));
        case 'prompts/list':
          return listAll(o, 'prompts/list', 'prompts', req.id, forward, (s, t) => ({ ...t, name: `${s}${SEP}${t.name as string}` }));
        case 'resources/list':
          return listAll(o, 'resources/list', 'resources', req.id, forward, (s, r) => {
            uriOwner.set(r.uri as string, s);
            return { ...r, name: `${s}${SEP}${r.name as string}` };
          });
        case 'resources/templates/list':
          return listAll(o, 'resources/templates/list', 'resourceTemplates', req.id, forward, (s, r) => {
            const prefix = String(r.uriTemplate).split('{')[0]!;
            if (prefix && !templatePrefixes.some((t) => t.prefix === prefix && t.server === s)) templatePrefixes.push({ prefix, server: s });
            return { ...r, name: `${s}${SEP}${r.name as string}` };
          });
        case 'prompts/get': {
          const split = typeof p.name === 'string' ? splitName(p.name) : undefined;
          if (!split) return errorResponse(req.id, JsonRpcCode.InvalidParams, `unknown prompt "${String(p.name)}": prompts on /mcp are named <server>${SEP}<prompt>`);
          return forward(split.server, { id: req.id, method: req.method, params: { ...p, name: split.name } });
        }
        case 'resources/read':
        case 'resources/subscribe':
        case 'resources/unsubscribe': {
          const uri = String(p.uri ?? '');
          const owner = ownerOfUri(uri);
          if (owner) return forward(owner, req);
          // Not listed yet: ask each server in turn and remember who answered.
          for (const server of registry.names()) {
            const res = await forward(server, req);
            if (!('error' in res)) {
              uriOwner.set(uri, server);
              return res;
            }
          }
          return errorResponse(req.id, -32002, `resource not found: ${uri}`, { uri });
        }
        case 'completion/complete': {
          const ref = (p.ref ?? {}) as Record<string, unknown>;
          if (ref.type === 'ref/prompt') {
            const split = typeof ref.name === 'string' ? splitName(ref.name) : undefined;
            if (!split) return errorResponse(req.id, JsonRpcCode.InvalidParams, `unknown prompt "${String(ref.name)}"`);
            return forward(split.server, { id: req.id, method: req.method, params: { ...p, ref: { ...ref, name: split.name } } });
          }
          const owner = ownerOfUri(String(ref.uri ?? ''));
          if (!owner) return errorResponse(req.id, JsonRpcCode.InvalidParams, `unknown resource template "${String(ref.uri)}"`);
          return forward(owner, req);
        }
        case 'logging/setLevel': {
          await Promise.all(registry.names().map((s) => forward(s, req)));
          return { jsonrpc: '2.0', id: req.id, result: {} };
        }
        default:
          return errorResponse(req.id, JsonRpcCode.MethodNotFound, `method "${req.method}" is not available on the aggregate endpoint /mcp; use /mcp/<server>`);
      }
    },
  };
}
