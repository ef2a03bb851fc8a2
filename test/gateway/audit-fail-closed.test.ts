import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigSchema } from '../../src/config/schema.ts';
import { createFlowLink } from '../../src/app.ts';
import { openStore } from '../../src/store/open.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Store } from '../../src/store/store.ts';
import { ROOT, servers } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';

test('when the audit log cannot be written, calls fail and are not run until it recovers', async () => {
  const real = await openStore({ data: 'memory://' });
  let broken = false;
  // The store answers everything except audit writes while `broken` is set.
  const store: Store = {
    ...real,
    query: (text, params) => (broken && /INSERT INTO audit_events|^SELECT 1 FROM audit_events/.test(text.trim()) ? Promise.reject(new Error('disk full')) : real.query(text, params)),
    tx: real.tx.bind(real),
    listen: real.listen.bind(real),
    notify: real.notify.bind(real),
    close: real.close.bind(real),
  };
  const config = ConfigSchema.parse({ listen: { port: 0 }, servers: { everything: servers.everything } });
  const fl = await createFlowLink({ config, baseDir: ROOT, store, logger: silentLogger });
  const org = await fl.agents.ensureOrg('default');
  const { token } = await fl.agents.create(org.id, 'auditor-test');
  const url = await fl.app.listen({ host: '127.0.0.1', port: 0 });
  const c = await connectClient(`${url}/mcp/everything`, token);
  try {
    await c.client.callTool({ name: 'echo', arguments: { message: 'before' } });
    broken = true;
    await assert.rejects(c.client.callTool({ name: 'echo', arguments: { message: 'during' } }), /audit log could not be written/);
    assert.equal(fl.audit.healthy, false);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 503);
    // While unhealthy, the next call is refused before it reaches the server.
    await assert.rejects(c.client.callTool({ name: 'echo', arguments: { message: 'refused' } }), /no calls are run until it recovers/);
    broken = false;
    const ok = await c.client.callTool({ name: 'echo', arguments: { message: 'after' } });
    assert.deepEqual(ok.content, [{ type: 'text', text: 'Echo: after' }]);
    const rows = await real.query<{ arguments: { message: string } }>('SELECT arguments FROM calls ORDER BY started_at');
    assert.deepEqual(rows.map((r) => r.arguments.message), ['before', 'after'], 'nothing half-written');
  } finally {
    await c.close();
    await fl.close();
    await real.close();
  }
});
