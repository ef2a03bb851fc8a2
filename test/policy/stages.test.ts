import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPolicyStage } from '../../src/pipeline/stages/policy.ts';
import { createRateLimitStage } from '../../src/pipeline/stages/rate-limit.ts';
import { compilePolicy } from '../../src/policy/compile.ts';
import { PoliciesConfigSchema } from '../../src/policy/policy.schema.ts';
import { createRateLimiter } from '../../src/ratelimit/limiter.ts';
import { createMemoryBackend } from '../../src/ratelimit/memory.backend.ts';
import { RateLimitsConfigSchema } from '../../src/ratelimit/ratelimit.schema.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import type { CallContext, Stage } from '../../src/pipeline/types.ts';
import type { FlowLinkError } from '../../src/lib/errors.ts';

function ctx(over: Partial<CallContext> = {}): CallContext {
  return {
    callId: 'c1',
    requestId: 1,
    identity: { orgId: 'org_1', agentId: 'agt_1', agentName: 'bot', labels: {} },
    tokenHash: undefined,
    session: { id: undefined, protocol: '2025-06-18', client: undefined },
    server: 'kubernetes',
    tool: 'delete_pod',
    arguments: { namespace: 'prod' },
    meta: undefined,
    startedAt: new Date(),
    signal: new AbortController().signal,
    decision: {},
    forward: async () => ({ jsonrpc: '2.0', id: 1, result: { content: [] } }),
    ...over,
  };
}
const forward: Stage = { name: 'forward', run: (c) => c.forward(c.arguments) };
const policy = (rules: unknown[]) => {
  const compiled = compilePolicy(PoliciesConfigSchema.parse({ rules }));
  return () => ({ compiled, version: 7 });
};

test('policy stage: deny names the rule, approve asks for a human, allow passes; the decision is recorded', async () => {
  const stage = createPolicyStage({
    current: policy([
      { id: 'prod-deletes', effect: 'deny', reason: 'no deletes in prod', match: { tools: ['*__delete_*'] }, when: { namespaces: ['prod'] } },
      { id: 'scale', effect: 'approve', approvers: 2, match: { tools: ['scale'] } },
    ]),
    serverLabels: () => ({ env: 'prod' }),
  });
  const c = ctx();
  await assert.rejects(stage.run(c, () => forward.run(c, async () => assert.fail())), (e: FlowLinkError) => e.code === 'denied' && e.message === 'Denied by policy "prod-deletes": no deletes in prod' && e.data?.rule === 'prod-deletes');
  assert.deepEqual([c.decision.policy && (c.decision.policy as { effect: string; rule: string; version: number }).rule, (c.decision.policy as { version: number }).version], ['prod-deletes', 7]);
  const s = ctx({ tool: 'scale' });
  await assert.rejects(stage.run(s, async () => assert.fail()), (e: FlowLinkError) => e.code === 'approval_required' && e.data?.approvers === 2);
  const ok = ctx({ tool: 'get_pods' });
  const res = await stage.run(ok, () => forward.run(ok, async () => assert.fail()));
  assert.ok('result' in res);
  assert.equal((ok.decision.policy as { effect: string }).effect, 'allow');
  // Through runPipeline the agent gets a JSON-RPC error that says it was denied by policy and names the rule.
  const r = await runPipeline([stage, forward], ctx());
  assert.ok('error' in r);
  assert.equal(r.error.code, -32010);
  assert.match(r.error.message, /Denied by policy "prod-deletes"/);
});

test('policy stage: Shield verdict recorded before it makes the call stricter; an exception waives it and is recorded', async () => {
  const stage = createPolicyStage({
    current: policy([{ id: 'release', effect: 'allow', match: { agents: ['release-bot'] }, exception: { justification: 'release bot force-pushes (CHG-1)', shieldRules: ['git.force-push'] } }]),
    serverLabels: () => undefined,
  });
  const shield = { verdict: 'block', risk: 90, severity: 'critical', reasons: [{ rule: 'git.force-push', severity: 'critical', message: 'force push' }], targets: [] };
  const c = ctx({ server: 'git', tool: 'push', decision: { shield } });
  await assert.rejects(stage.run(c, async () => assert.fail()), (e: FlowLinkError) => e.code === 'denied' && /Blocked by FlowLink Shield \(risk 90, critical\): git\.force-push: force push/.test(e.message));
  const r = ctx({ server: 'git', tool: 'push', identity: { orgId: 'org_1', agentId: 'a', agentName: 'release-bot', labels: {} }, decision: { shield } });
  await stage.run(r, () => forward.run(r, async () => assert.fail()));
  const rec = r.decision.policy as { effect: string; exception: { justification: string; shieldRules: string[] } };
  assert.equal(rec.effect, 'allow');
  assert.deepEqual(rec.exception.shieldRules, ['git.force-push']);
});

test('rate-limit stage: a limited call gets rate_limited with retry-after and is recorded', async () => {
  const limiter = createRateLimiter({ backend: createMemoryBackend(), limits: RateLimitsConfigSchema.parse({ limits: [{ id: 'one', rate: '1/h' }] }).limits });
  const stage = createRateLimitStage({ limiter });
  const a = ctx();
  await stage.run(a, () => forward.run(a, async () => assert.fail()));
  assert.deepEqual(a.decision.rateLimit, { limited: false, limits: ['one'] });
  const b = ctx();
  await assert.rejects(stage.run(b, async () => assert.fail()), (e: FlowLinkError) => e.code === 'rate_limited' && e.http === 429 && (e.data?.retry_after_seconds as number) > 3000);
  assert.equal((b.decision.rateLimit as { limited: boolean }).limited, true);
  const r = await runPipeline([stage, forward], ctx());
  assert.ok('error' in r && r.error.code === -32013 && (r.error.data as { retry_after_seconds: number }).retry_after_seconds > 0);
});
