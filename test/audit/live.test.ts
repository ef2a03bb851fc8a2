import { test } from 'node:test';
import assert from 'node:assert/strict';
import { privatePgUrl, startFlowLink, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';
import { PASSWORD, uniqueEmail } from '../identity/harness.ts';

// The live activity stream (SSE) over real HTTP, fed by calls from a real MCP client.

interface Sse {
  events: { event: string; id?: string; data: any }[];
  /** Resolves with the first event matching `pred` (rejects when the stream ends first). */
  next(pred: (e: { event: string; data: any }) => boolean, ms?: number): Promise<{ event: string; id?: string; data: any }>;
  ended: Promise<void>;
  close(): void;
}

async function signIn(url: string, email = uniqueEmail('live')): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${url}/api/v1/auth/sign-up`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD, name: 'T' }) });
  assert.equal(r.status, 201, await r.text());
  const cookies = r.headers.getSetCookie().map((c) => c.split(';')[0]!);
  return { cookie: cookies.join('; '), csrf: cookies.find((c) => c.startsWith('fl_csrf='))!.slice('fl_csrf='.length) };
}

async function openStream(url: string, headers: Record<string, string>): Promise<Sse> {
  const ctl = new AbortController();
  const res = await fetch(url, { headers, signal: ctl.signal });
  assert.equal(res.status, 200, `stream answered ${res.status}`);
  assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
  const events: Sse['events'] = [];
  const waiters = new Set<() => void>();
  let done = false;
  const ended = (async () => {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done: d } = await reader.read();
        if (d) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: { event: string; id?: string; data: any } = { event: 'message', data: undefined };
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('id: ')) ev.id = line.slice(4);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (!data) continue;
          ev.data = JSON.parse(data);
          events.push(ev);
          waiters.forEach((w) => w());
        }
      }
    } catch {
      /* aborted */
    } finally {
      done = true;
      waiters.forEach((w) => w());
    }
  })();
  return {
    events,
    ended,
    close: () => ctl.abort(),
    next(pred, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (waiters.delete(check), reject(new Error(`no matching event; got ${JSON.stringify(events)}`))), ms);
        const check = () => {
          const hit = events.find(pred);
          if (hit) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(hit);
          } else if (done) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the stream ended; got ${JSON.stringify(events)}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

test('a call made by a real MCP client shows up on the live stream; Last-Event-ID replays; sign-out closes the stream; other orgs see nothing', async () => {
  const fl = await startFlowLink({ identity: { signup: 'open' } });
  let stopped = false;
  try {
    const owner = await signIn(fl.url);
    const org = fl.orgId;
    const outsider = await signIn(fl.url);
    // Creating an org replaces the session: keep the new cookies.
    const created = await fetch(`${fl.url}/api/v1/orgs`, { method: 'POST', headers: { cookie: outsider.cookie, 'x-csrf-token': outsider.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ name: `o-${Date.now()}` }) });
    assert.equal(created.status, 201);
    outsider.cookie = created.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    const otherOrg = ((await created.json()) as { org: { id: string } }).org.id;
    const forbidden = await fetch(`${fl.url}/api/v1/orgs/${org}/activity/stream`, { headers: { cookie: outsider.cookie } });
    assert.ok(forbidden.status === 403 || forbidden.status === 404, `outsider got ${forbidden.status}`);
    await forbidden.body?.cancel();
    const theirs = await openStream(`${fl.url}/api/v1/orgs/${otherOrg}/activity/stream`, { cookie: outsider.cookie });

    const sse = await openStream(`${fl.url}/api/v1/orgs/${org}/activity/stream`, { cookie: owner.cookie });
    const c = await connectClient(`${fl.url}/mcp/everything`, fl.token);
    try {
      await c.client.callTool({ name: 'echo', arguments: { message: 'hello live' } });
    } finally {
      await c.close();
    }
    const got = await sse.next((e) => e.event === 'call' && e.data.tool === 'echo');
    assert.equal(got.data.server, 'everything');
    assert.equal(got.data.status, 'ok');
    assert.match(got.data.call_id, /\S/);
    assert.equal(got.id, String(got.data.seq));
    assert.ok('verdict' in got.data && 'risk' in got.data && Array.isArray(got.data.reasons));
    assert.equal('arguments' in got.data, false, 'arguments stay in the full record');
    // The ids click through to the full record and its event.
    const rec = (await (await fetch(`${fl.url}/api/v1/orgs/${org}/history/${got.data.call_id}`, { headers: { cookie: owner.cookie } })).json()) as { call: { arguments: unknown; audit_seq: number } };
    assert.deepEqual(rec.call.arguments, { message: 'hello live' });
    assert.equal(rec.call.audit_seq, got.data.seq);

    // Resume: a viewer that reconnects with Last-Event-ID gets what it missed.
    const resumed = await openStream(`${fl.url}/api/v1/orgs/${org}/activity/stream`, { cookie: owner.cookie, 'last-event-id': String(got.data.seq - 1) });
    assert.equal((await resumed.next((e) => e.event === 'call')).data.call_id, got.data.call_id);
    resumed.close();

    // An API key may watch too; revoking it ends its stream.
    const auth = { cookie: owner.cookie, 'x-csrf-token': owner.csrf, 'content-type': 'application/json' };
    const key = (await (await fetch(`${fl.url}/api/v1/orgs/${org}/api-keys`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'watcher', role: 'auditor' }) })).json()) as { apiKey: { id: string }; secret: string };
    const byKey = await openStream(`${fl.url}/api/v1/orgs/${org}/activity/stream`, { authorization: `Bearer ${key.secret}` });
    const del = await fetch(`${fl.url}/api/v1/orgs/${org}/api-keys/${key.apiKey.id}`, { method: 'DELETE', headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf } });
    assert.ok(del.status === 204 || del.status === 200, `revoke answered ${del.status}`);
    assert.match((await byKey.next((e) => e.event === 'end', 30_000)).data.reason, /revoked/);

    // Signing out ends the stream (the session is re-checked while it is open).
    const out = await fetch(`${fl.url}/api/v1/auth/sign-out`, { method: 'POST', headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf } });
    assert.equal(out.status, 204);
    const end = await sse.next((e) => e.event === 'end', 30_000);
    assert.match(end.data.reason, /signed out/);
    await sse.ended;

    assert.equal(theirs.events.filter((e) => e.event === 'call').length, 0, "org B's stream got none of org A's calls");
    // A stream still open does not hold the shutdown: it is ended with a reason.
    stopped = true;
    await fl.stop();
    await theirs.ended;
    assert.match(theirs.events.find((e) => e.event === 'end')?.data.reason ?? '', /shutting down/);
  } finally {
    if (!stopped) await fl.stop();
  }
});

test('postgres: a call recorded on one instance reaches a stream opened on another (LISTEN/NOTIFY)', async () => {
  const pgUrl = await privatePgUrl();
  const a = await startFlowLink({ identity: { signup: 'open' } }, { pgUrl });
  let b: Running | undefined;
  try {
    b = await startFlowLink({ identity: { signup: 'open' } }, { pgUrl, token: a.token });
    const owner = await signIn(a.url);
    const sse = await openStream(`${a.url}/api/v1/orgs/${a.orgId}/activity/stream`, { cookie: owner.cookie });
    const c = await connectClient(`${b.url}/mcp/everything`, a.token);
    try {
      await c.client.callTool({ name: 'echo', arguments: { message: 'from b' } });
    } finally {
      await c.close();
    }
    const got = await sse.next((e) => e.event === 'call' && e.data.tool === 'echo');
    assert.equal(got.data.server, 'everything');
    sse.close();
  } finally {
    await b?.stop();
    await a.stop();
  }
});
