import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink } from '../helpers/flowlink.ts';

test('a REST body with a field the route does not know is refused, naming the field; nothing is created', async () => {
  const fl = await startFlowLink();
  try {
    const res = await fetch(`${fl.url}/api/v1/auth/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: fl.url },
      body: JSON.stringify({ email: 'olga@example.com', password: 'correct horse battery staple 42', isAdmin: true }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'invalid_params');
    assert.match(body.error.message, /unknown field "isAdmin"/);
    const rows = await fl.fl.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE email = 'olga@example.com'`);
    assert.equal(rows[0]!.n, 0);
  } finally {
    await fl.stop();
  }
});
