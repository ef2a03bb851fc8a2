import type { Link, LinkEvents } from '../gateway/stdio-link.ts';
import type { JsonRpcMessage } from '../gateway/jsonrpc.ts';
import type { AuditEventInput } from '../audit/audit.writer.ts';
import { FlowLinkError } from '../lib/errors.ts';
import type { Resolver } from './resolver.ts';
import type { InjectedValues } from './values.ts';
import type { UseRow } from './usage.repo.ts';

const PLACEHOLDER = /\{\{\s*secret:([^{}\s]{1,1100})\s*\}\}/g;

/**
 * Secrets in a server's config (`env` of stdio servers, `headers` of HTTP servers), such as
 * `PGPASSWORD: "{{secret:PROD_DB_PASSWORD}}"` or `Authorization: "Bearer {{secret:vault:kv/data/gh#token}}"`.
 * The config is trusted, so names and backend references are both accepted, without
 * grants. Values are registered for redaction in every org's results (any agent of the
 * server may get them echoed back). A missing secret stops the server from starting
 * with an error naming the key and the secret, never a value.
 */
export function createServerSecrets(deps: { resolver: Pick<Resolver, 'resolve'>; values: InjectedValues; audit: { append(e: AuditEventInput): Promise<number> }; recordUses?: (orgId: string, uses: Omit<UseRow, 'used_at'>[]) => Promise<void> }) {
  async function fill(map: Record<string, string>, orgId: string, what: 'env' | 'header', used: { name: string; method: 'env' | 'header'; version: number | null }[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [key, text] of Object.entries(map)) {
      const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
      if (!names.length) {
        out[key] = text;
        continue;
      }
      const found = new Map<string, string>();
      for (const name of names) {
        const r = await deps.resolver.resolve(orgId, name);
        if (!r) throw new FlowLinkError('secrets_unavailable', `${what} ${key.slice(0, 128)} refers to secret "${name.slice(0, 200)}", which is not set (or its backend has no value there)`);
        found.set(name, r.value);
        deps.values.addGlobal(name, r.value);
        used.push({ name, method: what, version: r.version });
      }
      out[key] = text.replace(PLACEHOLDER, (_m, name: string) => found.get(name)!);
    }
    return out;
  }

  /**
   * Resolves `{{secret:…}}` in a server config's env and headers, for org `orgId`. Call it
   * each time the server's process or connection is (re)started, so rotated values apply.
   */
  async function resolveServerSecrets<C extends { env?: Record<string, string>; headers?: Record<string, string> }>(serverConfig: C, orgId: string, serverName = '(config)'): Promise<{ env: Record<string, string>; headers: Record<string, string> }> {
    const used: { name: string; method: 'env' | 'header'; version: number | null }[] = [];
    const env = await fill(serverConfig.env ?? {}, orgId, 'env', used);
    const headers = await fill(serverConfig.headers ?? {}, orgId, 'header', used);
    if (used.length) {
      await deps.audit.append({ orgId, kind: 'secret.used', actor: { type: 'system', id: 'gateway' }, outcome: 'success', data: { call_id: null, agent_id: null, server: serverName.slice(0, 128), tool: null, secrets: used.slice(0, 100) } });
      // Only stored names (not direct backend references from the config) have a usage view.
      const named = used.filter((u) => !u.name.includes(':'));
      await deps.recordUses?.(orgId, named.map((u) => ({ name: u.name, version: u.version, method: u.method, call_id: null, agent_id: null, agent_name: null, server: serverName.slice(0, 128), tool: null })));
    }
    return { env, headers };
  }

  return { resolveServerSecrets };
}

/**
 * A Link whose real link is made asynchronously when it starts, so the registry's
 * synchronous `createLink` can resolve secrets first:
 *   createLink: () => deferredLink(async () => createStdioLink({ ..., env: (await secrets.resolveServerSecrets(cfg, orgId, name)).env }))
 */
export function deferredLink(make: () => Promise<Link>): Link {
  let inner: Link | undefined;
  return {
    get pid() {
      return inner?.pid;
    },
    async start(ev: LinkEvents) {
      inner = await make();
      await inner.start(ev);
    },
    send(m: JsonRpcMessage) {
      if (!inner) throw new Error('upstream link not started');
      inner.send(m);
    },
    async close() {
      await inner?.close();
    },
    setProtocolVersion(v: string) {
      inner?.setProtocolVersion?.(v);
    },
  };
}
