import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink } from '../helpers/flowlink.ts';

test('the approvals REST API is documented in /api/openapi.json with its permissions', async () => {
  const fl = await startFlowLink({ approvals: {} });
  try {
    const doc = (await (await fetch(`${fl.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    const paths = Object.keys(doc.paths);
    for (const p of ['/api/v1/orgs/{orgId}/approvals', '/api/v1/orgs/{orgId}/approvals/{id}', '/api/v1/orgs/{orgId}/approvals/{id}/decision', '/api/v1/approvals/stream']) {
      assert.ok(paths.includes(p), `${p} is documented (have: ${paths.filter((x) => x.includes('approval')).join(', ')})`);
    }
    assert.match(String(doc.paths['/api/v1/orgs/{orgId}/approvals/{id}/decision']!.post!.summary), /Approve once/);
  } finally {
    await fl.stop();
  }
});
