import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGrant, grantsAllow, GrantSchema, parseGrant, SecretsConfigSchema } from '../../src/secrets/grants.ts';
import { createGrantService } from '../../src/secrets/grants.service.ts';
import { openStore } from '../../src/store/open.ts';
import { createAuditWriter } from '../../src/audit/audit.writer.ts';
import { createAgentService } from '../../src/identity/agents.service.ts';
import { isFlowLinkError } from '../../src/lib/errors.ts';
import { privatePgUrl } from '../helpers/flowlink.ts';

const subject = (agent: string, labels: Record<string, string> = {}, server = 'postgres-prod', tool = 'query') => ({ agent, labels, server, tool });

test('a grant matches secret, agent (name or every label), server and tool; nothing else', () => {
  const g = [compileGrant(GrantSchema.parse({ secret: 'PROD_DB_*', agents: ['deploy-*'], agentLabels: { team: 'db', env: 'prod' }, servers: ['postgres*'], tools: ['query', 'list_*'] }))];
  assert.equal(grantsAllow(g, subject('deploy-bot'), 'PROD_DB_PASSWORD'), true);
  assert.equal(grantsAllow(g, subject('other', { team: 'db', env: 'prod' }), 'PROD_DB_PASSWORD'), true, 'by labels');
  assert.equal(grantsAllow(g, subject('other', { team: 'db' }), 'PROD_DB_PASSWORD'), false, 'every label must match');
  assert.equal(grantsAllow(g, subject('other', { team: 'db', env: 'dev' }), 'PROD_DB_PASSWORD'), false);
  assert.equal(grantsAllow(g, subject('deploy-bot'), 'PROD_API_KEY'), false, 'other secret');
  assert.equal(grantsAllow(g, subject('deploy-bot', {}, 'github'), 'PROD_DB_PASSWORD'), false, 'other server');
  assert.equal(grantsAllow(g, subject('deploy-bot', {}, 'postgres-prod', 'drop_table'), 'PROD_DB_PASSWORD'), false, 'other tool');
  assert.equal(grantsAllow(g, subject('deploy-bot', {}, 'postgres-prod', 'list_tables'), 'PROD_DB_PASSWORD'), true);
  // Glob characters are not regex: a dot is a dot.
  const dot = [compileGrant(GrantSchema.parse({ secret: 'A.B', agents: ['x'], servers: ['s'] }))];
  assert.equal(grantsAllow(dot, subject('x', {}, 's'), 'AxB'), false);
  assert.equal(grantsAllow([], subject('x'), 'A'), false, 'no grants, no use');
});

test('grant input errors name the field', () => {
  const err = (input: unknown) => {
    try {
      parseGrant(input);
    } catch (e) {
      assert.ok(isFlowLinkError(e) && e.code === 'invalid_params');
      return e.message;
    }
    assert.fail('accepted');
  };
  assert.match(err({ secret: 'X', servers: ['s'] }), /agents or agentLabels/);
  assert.match(err({ secret: 'X', agents: ['a'] }), /servers/);
  assert.match(err({ secret: 'X', agents: ['a'], servers: [] }), /servers/);
  assert.match(err({ secret: 'X(', agents: ['a'], servers: ['s'] }), /secret/);
  assert.match(err({ secret: 'X', agents: ['a'], servers: ['s'], extra: 1 }), /extra|unrecognized/i);
  assert.match(err({ secret: 'X', agentLabels: { 'bad key': 'v' }, servers: ['s'] }), /agentLabels/);
  assert.deepEqual(parseGrant({ secret: 'X', agents: ['a'], servers: ['s'] }).tools, ['*']);
  assert.throws(() => SecretsConfigSchema.parse({ grants: [{ secret: 'X', servers: ['s'] }] }), /agents or agentLabels/);
});

test('grants are per org and a change on one instance reaches another at once (NOTIFY), on PostgreSQL', async () => {
  const url = await privatePgUrl();
  const s1 = await openStore({ url, data: '' });
  const s2 = await openStore({ url, data: '' });
  const audit = createAuditWriter({ store: s1 });
  const agents = createAgentService({ store: s1 });
  const a = (await agents.ensureOrg('org-a')).id;
  const b = (await agents.ensureOrg('org-b')).id;
  // A cache that never expires: only the notification can make instance 2 see the change.
  const one = createGrantService({ store: s1, audit, config: [], cacheMs: Number.MAX_SAFE_INTEGER });
  const two = createGrantService({ store: s2, audit, config: [], cacheMs: Number.MAX_SAFE_INTEGER });
  await two.start();
  const actor = { type: 'user' as const, id: 'u' };
  try {
    const who = subject('bot', {}, 'srv', 't');
    assert.equal(await two.allows(a, who, 'TOKEN'), false);
    const g = await one.add(a, { secret: 'TOKEN', agents: ['bot'], servers: ['srv'] }, actor);
    for (let i = 0; i < 500 && !(await two.allows(a, who, 'TOKEN')); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await two.allows(a, who, 'TOKEN'), true, 'instance 2 saw the new grant');
    assert.equal(await two.allows(b, who, 'TOKEN'), false, "org A's grant does not apply in org B");
    assert.deepEqual((await one.list(b)).grants, []);
    await assert.rejects(one.remove(b, g.id, actor), (e: unknown) => isFlowLinkError(e) && e.code === 'not_found', "org B cannot remove org A's grant");
    await one.remove(a, g.id, actor);
    for (let i = 0; i < 500 && (await two.allows(a, who, 'TOKEN')); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await two.allows(a, who, 'TOKEN'), false, 'instance 2 saw the removal');
  } finally {
    await two.stop();
    await audit.close();
    await s1.close();
    await s2.close();
  }
});
