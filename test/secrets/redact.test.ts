import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecretRedactor, StreamingRedactor } from '../../src/secrets/redact.ts';

const V = 'pa$$ w/"q"+é-0123456789';
const r = new SecretRedactor([{ name: 'DB', value: V }]);

test('the value and its common encodings become [secret:NAME]', () => {
  const b = Buffer.from(V);
  for (const form of [V, b.toString('base64'), b.toString('base64url'), b.toString('hex'), b.toString('hex').toUpperCase(), encodeURIComponent(V), JSON.stringify(V).slice(1, -1), JSON.stringify(JSON.stringify(V).slice(1, -1)).slice(1, -1)]) {
    assert.equal(r.redact(`<${form}>`), '<[secret:DB]>', form);
  }
  // Inside a longer base64 text, at every byte alignment.
  for (const pre of ['', 'x', 'xy', 'xyz']) assert.ok(!r.redact(Buffer.from(pre + V + 'tail').toString('base64')).includes(Buffer.from(V).subarray(3, 12).toString('base64')), pre);
  assert.deepEqual(r.redactJson({ a: [{ [V]: `x${V}` }], n: 1 }), { a: [{ '[secret:DB]': 'x[secret:DB]' }], n: 1 });
});

test('base64 content fields stay valid base64, with the value taken out of their bytes', () => {
  const data = Buffer.concat([Buffer.from([0, 255, 7]), Buffer.from(V), Buffer.from([1, 2])]).toString('base64');
  const out = r.redactJson({ type: 'image', data }) as { data: string };
  assert.match(out.data, /^[A-Za-z0-9+/]*={0,2}$/);
  assert.ok(Buffer.from(out.data, 'base64').includes('[secret:DB]'));
});

test('the streaming redactor finds values split across chunks, at every split point', () => {
  const text = `start ${V} middle ${Buffer.from(V).toString('hex')} end ${V}`;
  for (let size = 1; size <= text.length; size += 3) {
    const s = new StreamingRedactor(r);
    let out = '';
    for (let i = 0; i < text.length; i += size) out += s.push(text.slice(i, i + size));
    out += s.end();
    assert.equal(out, 'start [secret:DB] middle [secret:DB] end [secret:DB]', `chunk size ${size}`);
  }
});

test('values shorter than four characters are not searched (they would shred output)', () => {
  assert.equal(new SecretRedactor([{ name: 'X', value: 'ab' }]).redact('abc ab'), 'abc ab');
});
