import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, servers, type Running } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';

// Server-to-client requests (elicitation, sampling) from a session-based upstream reach the
// agent whose call asked for them: as JSON-RPC requests for 2025 clients, and as an
// InputRequiredResult that the client answers by retrying for 2026-07-28 clients.
let fl: Running;
before(async () => {
  fl = await startFlowLink({ servers: { everything: servers.everything } });
});
after(async () => {
  await fl?.stop();
});

const text = (r: { content?: unknown }) => JSON.stringify(r.content);

for (const modern of [false, true]) {
  const era = modern ? '2026-07-28' : '2025-11-25';

  test(`${era}: an upstream elicitation reaches the calling agent and its answer goes back`, async () => {
    const c = await connectClient(`${fl.url}/mcp/everything`, fl.token, { modern, capabilities: { elicitation: { form: {} } } });
    let asked = '';
    c.client.setRequestHandler('elicitation/create', async (req) => {
      asked = String((req.params as { message?: string }).message);
      return { action: 'accept', content: { name: `Olga ${era}`, check: true, firstLine: 'x', email: 'olga@example.com', integer: 1, number: 1, untitledSingleSelectEnum: 'option1', titledSingleSelectEnum: 'value1', legacyTitledEnum: 'opt1', untitledMultipleSelectEnum: ['option1'], titledMultipleSelectEnum: ['value1'] } } as never;
    });
    try {
      const r = await c.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      assert.match(asked, /Please provide inputs/);
      assert.match(text(r), new RegExp(`Olga ${era}`));
    } finally {
      await c.close();
    }
  });

  test(`${era}: an upstream sampling request reaches the calling agent`, async () => {
    const c = await connectClient(`${fl.url}/mcp/everything`, fl.token, { modern, capabilities: { sampling: {} } });
    c.client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: `sampled by ${era}` }, model: 'test-model', stopReason: 'endTurn' }) as never);
    try {
      const r = await c.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello', maxTokens: 10 } });
      assert.match(text(r), new RegExp(`sampled by ${era}`));
    } finally {
      await c.close();
    }
  });
}

test('2026-07-28: an agent that did not declare elicitation gets an error, not a hang', async () => {
  const c = await connectClient(`${fl.url}/mcp/everything`, fl.token, { modern: true, capabilities: {} });
  try {
    const r = await c.client.callTool({ name: 'trigger-elicitation-request', arguments: {} }).then(
      (res) => JSON.stringify(res),
      (err: Error) => err.message,
    );
    assert.match(r, /the agent did not declare the \\"elicitation\\" capability/);
    assert.match(r, /"isError":true/);
  } finally {
    await c.close();
  }
});
