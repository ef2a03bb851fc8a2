import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { createAuditWriter, type AuditWriter } from '../../src/audit/audit.writer.ts';
import { SiemConfigSchema } from '../../src/siem/siem.config.ts';
import { wireSiem, type Siem } from '../../src/siem/wire.ts';
import { makeOrg, openPgSchema } from '../audit/helpers.ts';
import { ROOT } from '../helpers/flowlink.ts';
import type { ReceivedEvent } from '../fakes/siem/http-receiver.ts';

/** A fake receiver as the contract drives it. */
export interface Receiver {
  received: ReceivedEvent[];
  /** Makes the receiver answer with an error (HTTP 5xx); absent where the protocol has no answer. */
  setDown?(v: boolean): void;
  /** Stops listening (connections refused) and listens again on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface SinkCase {
  name: string;
  start(): Promise<{ receiver: Receiver; sink: Record<string, unknown> }>;
  /** Secrets the sink's config refers to, by reference name. */
  secrets?: Record<string, string>;
  /** false for UDP: a receiver that is down cannot be noticed, so only delivery, order, filters and resume are promised. */
  acknowledged: boolean;
  /** What a failed send's error says when the receiver answers with an error / refuses connections. */
  downError?: RegExp;
  refusedError: RegExp;
  /** Run on PGlite in memory instead of PostgreSQL (a private schema). */
  pglite?: boolean;
}

type Kind = 'agent.created' | 'agent.revoked' | 'tool.pinned' | 'tool.flagged' | 'gateway.stopped';
const data: Record<Kind, (i: number) => Record<string, unknown>> = {
  'agent.created': (i) => ({ agent_id: `a${i}`, name: `bot-${i}` }),
  'agent.revoked': (i) => ({ agent_id: `a${i}`, name: `bot-${i}` }),
  'tool.pinned': (i) => ({ server: 'fs', tool: `t${i}` }),
  'tool.flagged': (i) => ({ server: 'fs', tool: `t${i}` }),
  'gateway.stopped': () => ({ signal: 'SIGTERM' }),
};
// The sink's filter: kinds agent.* and tool.*, severity medium or more. So agent.revoked
// (medium) and tool.flagged (high) pass; agent.created (low) and tool.pinned (info) fail the
// severity, gateway.stopped (info) the kind.
const MIX: Kind[] = ['agent.created', 'agent.revoked', 'tool.pinned', 'tool.flagged', 'gateway.stopped', 'agent.revoked', 'tool.flagged'];
const WANTED = new Set<Kind>(['agent.revoked', 'tool.flagged']);

let counter = 0;
async function appendMix(writer: AuditWriter, orgId: string, rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) for (const kind of MIX) await writer.append({ orgId, kind, actor: { type: 'system', id: null }, outcome: 'success', data: data[kind](counter++) });
}

/** What the receiver must hold: every wanted event of the org's log, each once, in seq order. */
async function expected(store: Store, orgId: string): Promise<{ id: string; seq: number; kind: string }[]> {
  const rows = await store.query<{ id: string; seq: number; kind: string }>('SELECT id, seq, kind FROM audit_events WHERE org_id = $1 ORDER BY seq', [orgId]);
  return rows.filter((r) => WANTED.has(r.kind as Kind)).map((r) => ({ id: r.id, seq: Number(r.seq), kind: r.kind }));
}

function got(rx: Receiver, orgId: string) {
  return rx.received.filter((e) => e.org_id === orgId).map((e) => ({ id: e.id, seq: e.seq, kind: e.kind }));
}

/**
 * Asserts the receiver holds exactly what the org's log says it should. Syslog sends finish
 * when the kernel has the bytes, before the receiver read them: wait (bounded) for the count.
 */
async function assertReceived(store: Store, rx: Receiver, orgId: string, message: string): Promise<void> {
  const want = await expected(store, orgId);
  for (let i = 0; i < 300 && got(rx, orgId).length < want.length; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got(rx, orgId), want, message);
}

/**
 * The contract every sink type meets (one body, run per sink): delivery of what the
 * filter wants, in order, each event once; retry after the receiver answers 5xx or refuses
 * connections, with the failure visible in the status; nothing lost or repeated across a
 * restart of the delivering instance while the receiver is down.
 */
export async function runSinkContract(c: SinkCase): Promise<void> {
  const store = c.pglite ? await openStore({ data: 'memory://' }) : await openPgSchema();
  const { receiver: rx, sink } = await c.start();
  const config = SiemConfigSchema.parse({ sinks: [{ ...sink, name: 'contract', kinds: ['agent.*', 'tool.*'], minSeverity: 'medium', batchSize: 4 }], retryBase: 1, retryMax: 1 });
  const secrets = { resolve: async (_org: string, ref: string) => (c.secrets?.[ref] !== undefined ? { value: c.secrets[ref]! } : undefined) };
  const wire = (): Siem => wireSiem({ config, store, secrets, configOrgId: 'org_a', baseDir: ROOT });
  let siem = wire();
  let writer = createAuditWriter({ store });
  const pass = async () => {
    await new Promise((r) => setTimeout(r, 5)); // past the 1 ms backoff
    return siem.delivery.runOnce();
  };
  try {
    const a = await makeOrg(store, 'a');
    const b = await makeOrg(store, 'b');
    await appendMix(writer, a, 2);
    await appendMix(writer, b, 1);

    // Delivery, filters, order.
    await siem.delivery.drain();
    await assertReceived(store, rx, a, 'org a: the wanted events, in order, once');
    await assertReceived(store, rx, b, 'org b too');
    let st = await siem.forOrg(a);
    assert.equal(st[0]!.lag_events, 0);
    assert.equal(st[0]!.state, 'ok');

    if (c.acknowledged && rx.setDown) {
      // The receiver answers with an error: nothing moves, the error is visible, then it all arrives.
      rx.setDown(true);
      await appendMix(writer, a, 1);
      await pass();
      st = await siem.forOrg(a);
      assert.equal(st[0]!.state, 'failing');
      assert.match(st[0]!.last_error ?? '', c.downError!);
      assert.ok(st[0]!.lag_events > 0);
      rx.setDown(false);
      await pass();
      await siem.delivery.drain();
      await assertReceived(store, rx, a, 'after a 5xx: everything, in order, once');
    }

    if (c.acknowledged) {
      // The receiver refuses connections; FlowLink restarts while it is down.
      await rx.stop();
      await appendMix(writer, a, 1);
      await pass();
      st = await siem.forOrg(a);
      assert.equal(st[0]!.state, 'failing');
      assert.match(st[0]!.last_error ?? '', c.refusedError);
      await siem.stop();
      await writer.close();
      siem = wire();
      writer = createAuditWriter({ store });
      await appendMix(writer, a, 1);
      await appendMix(writer, b, 1);
      await pass();
      assert.equal((await siem.forOrg(a))[0]!.state, 'failing', 'still down after the restart');
      await rx.restart();
      await pass();
      await siem.delivery.drain();
    } else {
      // Without acknowledgements only resume is promised: a new instance continues from the stored cursor.
      await siem.stop();
      await writer.close();
      siem = wire();
      writer = createAuditWriter({ store });
      await appendMix(writer, a, 1);
      await appendMix(writer, b, 1);
      await siem.delivery.drain();
    }
    await assertReceived(store, rx, a, 'org a: every wanted event once and in order across failures and the restart');
    await assertReceived(store, rx, b, 'org b: the same');
    const all = await siem.forOrg(a);
    assert.equal(all[0]!.lag_events, 0);
    assert.equal(all[0]!.state, 'ok');
    assert.equal(all[0]!.delivered_total, (await expected(store, a)).length);
  } finally {
    await siem.stop();
    await writer.close();
    await rx.close();
    await store.close();
  }
}
