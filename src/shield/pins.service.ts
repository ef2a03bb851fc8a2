import type { Store } from '../store/store.ts';
import type { AuditWriter } from '../audit/audit.writer.ts';
import type { Shield, ShieldReason, ToolDefinition } from './types.ts';
import { pinsRepo, type PinRow, type PinStatus } from './pins.repo.ts';
import { FlowLinkError } from '../lib/errors.ts';

/** Findings at or above this severity quarantine a tool at first sight. */
const QUARANTINE_AT: ReadonlySet<string> = new Set(['high', 'critical']);
const TOUCH_EVERY_MS = 60 * 60_000;
const CHANNEL = 'flowlink_tool_pins';

interface Pin {
  status: PinStatus;
  hash: string;
  pendingHash: string | null;
  definition: ToolDefinition;
  touched: number;
}

const key = (orgId: string, server: string) => `${orgId}\u0000${server}`;

/**
 * Tool definition pinning. Every tool an upstream lists is scanned for poisoning and
 * pinned by hash at first sight; a poisoned one is quarantined at once, and a later
 * change to a pinned definition (a rug pull) quarantines the tool until an admin
 * approves the new definition. Quarantined tools are hidden from tools/list and their
 * calls are refused. Pins are per org and cached; the database is written only on change.
 */
export function createPinService(deps: { store: Store; shield: Shield; audit: AuditWriter }) {
  const { store, shield, audit } = deps;
  const cache = new Map<string, Map<string, Pin>>();
  const loading = new Map<string, Promise<Map<string, Pin>>>();

  const toPin = (r: PinRow): Pin => ({ status: r.status, hash: r.hash, pendingHash: r.pending_hash, definition: r.definition, touched: Date.now() });

  async function pinsFor(orgId: string, server: string): Promise<Map<string, Pin>> {
    const k = key(orgId, server);
    const hit = cache.get(k);
    if (hit) return hit;
    let p = loading.get(k);
    if (!p) {
      p = pinsRepo.forServer(store, orgId, server).then((rows) => {
        const m = new Map(rows.map((r) => [r.tool, toPin(r)]));
        cache.set(k, m);
        loading.delete(k);
        return m;
      });
      loading.set(k, p);
    }
    return p;
  }

  const serious = (findings: ShieldReason[]) => findings.filter((f) => QUARANTINE_AT.has(f.severity));

  async function observe(orgId: string, server: string, tool: ToolDefinition, pins: Map<string, Pin>): Promise<Pin> {
    const scan = shield.scanToolDefinition(server, tool);
    const current = pins.get(tool.name);
    if (!current) {
      const status: PinStatus = serious(scan.findings).length ? 'quarantined' : 'approved';
      const row = (await pinsRepo.insert(store, { orgId, server, tool: tool.name, status, hash: scan.hash, definition: tool, findings: scan.findings })) ?? (await pinsRepo.get(store, orgId, server, tool.name))!;
      const pin = toPin(row);
      pins.set(tool.name, pin);
      if (row.hash === scan.hash) {
        await audit.append({ orgId, kind: status === 'quarantined' ? 'tool.flagged' : 'tool.pinned', actor: { type: 'system', id: null }, outcome: status === 'quarantined' ? 'denied' : 'success', data: { server, tool: tool.name, hash: scan.hash, findings: scan.findings } });
      }
      return pin;
    }
    if (current.hash === scan.hash) {
      if (Date.now() - current.touched > TOUCH_EVERY_MS) {
        current.touched = Date.now();
        await pinsRepo.touch(store, orgId, server, [tool.name]);
      }
      return current;
    }
    if (current.pendingHash === scan.hash) return current;
    const row = await pinsRepo.quarantineChange(store, { orgId, server, tool: tool.name, hash: scan.hash, definition: tool, findings: scan.findings });
    if (row) {
      const pin = toPin(row);
      pins.set(tool.name, pin);
      await audit.append({ orgId, kind: 'tool.changed', actor: { type: 'system', id: null }, outcome: 'denied', data: { server, tool: tool.name, pinned_hash: row.hash, new_hash: scan.hash, findings: scan.findings } });
      return pin;
    }
    return current;
  }

  async function reviewMiss(orgId: string, server: string, tool: string, expectHash: string | undefined): Promise<FlowLinkError> {
    const row = await pinsRepo.get(store, orgId, server, tool);
    if (!row) return new FlowLinkError('not_found', `no pinned tool "${tool}" on server "${server}"`);
    if (row.status === 'approved') return new FlowLinkError('conflict', `tool "${tool}" on server "${server}" is not waiting for review`);
    if (expectHash === (row.pending_hash ?? row.hash)) return new FlowLinkError('conflict', `tool "${tool}" on server "${server}" is already ${row.status}`);
    return new FlowLinkError('conflict', `the definition of "${tool}" on server "${server}" changed again since you saw it (hash ${(row.pending_hash ?? row.hash).slice(0, 12)}…, not ${(expectHash ?? '').slice(0, 12)}…); review the new one`);
  }

  let unlisten: (() => Promise<void>) | undefined;

  return {
    /** Listens for approvals made by other instances or the CLI. */
    async start(): Promise<void> {
      unlisten = await store.listen(CHANNEL, () => cache.clear());
    },
    async stop(): Promise<void> {
      await unlisten?.();
    },

    /** Scans and pins what an upstream listed; returns only the tools that may be shown. */
    async filterTools(orgId: string, server: string, tools: ToolDefinition[]): Promise<ToolDefinition[]> {
      const pins = await pinsFor(orgId, server);
      const visible: ToolDefinition[] = [];
      for (const t of tools) {
        if (typeof t?.name !== 'string') continue;
        const pin = await observe(orgId, server, t, pins);
        if (pin.status === 'approved') visible.push(t);
      }
      return visible;
    },

    /** Refuses a call to a quarantined tool. Tools never listed are judged by Shield alone. */
    async check(orgId: string, server: string, tool: string): Promise<ToolDefinition | undefined> {
      const pin = (await pinsFor(orgId, server)).get(tool);
      if (pin?.status === 'rejected') {
        throw new FlowLinkError('tool_quarantined', `tool "${tool}" on server "${server}" is blocked: an admin rejected its current definition.`, { server, tool });
      }
      if (pin?.status === 'quarantined') {
        throw new FlowLinkError('tool_quarantined', `tool "${tool}" on server "${server}" is quarantined: ${pin.pendingHash ? 'its definition changed since it was approved' : 'its description was flagged as poisoned'}. An admin must review it (flowlink shield approve ${server} ${tool}).`, { server, tool });
      }
      return pin?.definition;
    },

    list: (orgId: string) => pinsRepo.list(store, orgId),

    /** `expectHash`: the definition the reviewer saw; a definition that changed again since is not approved. */
    async approve(orgId: string, server: string, tool: string, reviewer: string, expectHash?: string): Promise<PinRow> {
      const row = await pinsRepo.approve(store, orgId, server, tool, reviewer, expectHash);
      if (!row) throw await reviewMiss(orgId, server, tool, expectHash);
      cache.delete(key(orgId, server));
      await store.notify(CHANNEL, `${server}/${tool}`);
      await audit.append({ orgId, kind: 'tool.approved', actor: { type: 'user', id: reviewer }, outcome: 'success', data: { server, tool, hash: row.hash } });
      return row;
    },

    async reject(orgId: string, server: string, tool: string, reviewer: string, expectHash?: string): Promise<PinRow> {
      const row = await pinsRepo.reject(store, orgId, server, tool, reviewer, expectHash);
      if (!row) throw await reviewMiss(orgId, server, tool, expectHash);
      cache.delete(key(orgId, server));
      await store.notify(CHANNEL, `${server}/${tool}`);
      await audit.append({ orgId, kind: 'tool.rejected', actor: { type: 'user', id: reviewer }, outcome: 'success', data: { server, tool, hash: row.pending_hash ?? row.hash } });
      return row;
    },
  };
}

export type PinService = ReturnType<typeof createPinService>;
