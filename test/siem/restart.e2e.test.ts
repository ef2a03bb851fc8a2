import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/index.ts';
import { privatePgUrl } from '../helpers/flowlink.ts';
import { startFakeHec } from '../fakes/siem/splunk-hec.ts';
import { startSiemRig, type SiemRig } from './rig.ts';

// The fault test, end to end on PostgreSQL: the sink goes down, FlowLink is stopped,
// a new instance starts on the same store (with a second instance beside it), the sink comes
// back, and every event arrives once and in order. Then `flowlink audit sinks --json`.
const TOKEN = 'b5a2e0c4-9d7e-4c1b-8f3a-0e6d2c9a7b15';
const ENV = 'SIEMTEST_HEC_TOKEN_E2E';

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a Splunk HEC sink down across a FlowLink restart (two instances after it) gets every event once and in order', async () => {
  process.env[ENV] = TOKEN;
  const pgUrl = await privatePgUrl();
  const hec = await startFakeHec(TOKEN);
  const siem = { pollInterval: 40, retryBase: 20, retryMax: 150, sinks: [{ type: 'splunk-hec', name: 'splunk', url: hec.url, token: { env: ENV }, kinds: ['agent.*'] }] };
  const rigs: SiemRig[] = [];
  const start = async () => {
    const r = await startSiemRig(siem, { storeOpts: { url: pgUrl, data: '' } });
    rigs.push(r);
    return r;
  };
  let n = 0;
  const append = async (rig: SiemRig, count: number) => {
    for (let i = 0; i < count; i++) await rig.fl.audit.append({ orgId: rig.homeOrg, kind: 'agent.created', actor: { type: 'user', id: 'cli' }, outcome: 'success', data: { agent_id: `a${n}`, name: `bot-${n++}` } });
  };
  const dir = mkdtempSync(join(tmpdir(), 'fl-siem-e2e-'));
  try {
    const first = await start();
    await append(first, 20);
    await until('the first 20 events', () => hec.received.length >= 20);

    await hec.stop();
    await append(first, 15);
    await until('the failure to show', async () => (await first.fl.siem.forOrg(first.homeOrg))[0]!.state === 'failing');
    assert.match((await first.fl.siem.forOrg(first.homeOrg))[0]!.last_error ?? '', /ECONNREFUSED/);
    await first.close();
    rigs.length = 0;

    const second = await start();
    const third = await start();
    await append(second, 5);
    await append(third, 5);
    await until('both instances to try', async () => (await second.store.query<{ n: number }>('SELECT count(*)::int AS n FROM siem_leases'))[0]!.n === 1);
    await hec.restart();

    const store = second.store;
    const ids = async () => (await store.query<{ id: string; seq: number }>("SELECT id, seq FROM audit_events WHERE org_id = $1 AND kind = 'agent.created' ORDER BY seq", [second.homeOrg])).map((r) => r.id);
    const want = await ids();
    assert.equal(want.length, 45);
    await until('all 45 events', () => hec.received.length >= 45);
    // A little longer, so a second delivery by the other instance would show up.
    await until('lag 0', async () => (await second.fl.siem.forOrg(second.homeOrg))[0]!.lag_events === 0);
    assert.deepEqual(
      hec.received.map((e) => e.id),
      want,
      'every event once, in seq order',
    );
    const seqs = hec.received.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.ok(hec.answers.every((c) => c === 0), 'HEC accepted every batch it got');

    // The CLI reads the same status from the store.
    const file = join(dir, 'flowlink.yaml');
    writeFileSync(file, JSON.stringify({ store: { url: pgUrl }, siem }));
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const code = await main(['audit', 'sinks', '--json', '--config', file], { stdin: new PassThrough(), stdout: out, stderr: new PassThrough(), env: { PATH: process.env.PATH }, cwd: dir });
    assert.equal(code, 0, text);
    const { sinks } = JSON.parse(text) as { sinks: { sink: string; type: string; state: string; lag_events: number; delivered_total: number; target: string }[] };
    assert.equal(sinks.length, 1);
    assert.equal(sinks[0]!.sink, 'splunk');
    assert.equal(sinks[0]!.type, 'splunk-hec');
    assert.equal(sinks[0]!.state, 'ok');
    assert.equal(sinks[0]!.lag_events, 0);
    assert.equal(sinks[0]!.delivered_total, 45);
    assert.equal(sinks[0]!.target, `${hec.url}/services/collector/event`);
    assert.doesNotMatch(text, new RegExp(TOKEN));
    const run = async (args: string[]) => {
      const o = new PassThrough();
      let t = '';
      o.on('data', (d) => (t += d));
      const c = await main(args, { stdin: new PassThrough(), stdout: o, stderr: new PassThrough(), env: { PATH: process.env.PATH }, cwd: dir });
      return { c, t };
    };
    const tableOut = await run(['audit', 'sinks', '--config', file]);
    assert.equal(tableOut.c, 0);
    assert.match(tableOut.t, /^SINK\s+TYPE\s+TARGET\s+STATE\s+DELIVERED\s+LAG/);
    assert.match(tableOut.t, /\nsplunk\s+splunk-hec\s+http:\/\/127\.0\.0\.1:\d+\/services\/collector\/event\s+ok\s+45\s+0\s/);
    const help = await run(['audit', 'sinks', '--help']);
    assert.equal(help.c, 0);
    assert.match(help.t, /flowlink audit sinks \[--json\]/);
  } finally {
    for (const r of rigs) await r.close();
    await hec.close();
    rmSync(dir, { recursive: true, force: true });
    delete process.env[ENV];
  }
});
