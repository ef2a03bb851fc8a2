import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlowLink, privatePgUrl, type Running } from '../helpers/flowlink.ts';
import { Browser, type Api } from '../identity/harness.ts';
import { people, type People } from './people.ts';

// Two instances on one PostgreSQL: an org's rule setting made through one instance is
// honoured by the other at once (NOTIFY drops its compiled rules), for that org only.
let one: Running;
let two: Running;
let p: People;

before(async () => {
  const pgUrl = await privatePgUrl();
  one = await startFlowLink({ identity: { signup: 'open' } }, { pgUrl });
  two = await startFlowLink({ identity: { signup: 'open' } }, { pgUrl });
  p = await people(one);
});
after(async () => {
  await two?.stop();
  await one?.stop();
});

/** The same signed-in person, talking to the other instance. */
function on(fl: Running, b: Browser): Browser {
  const other = new Browser({ app: fl.fl.app } as unknown as Api);
  other.jar = new Map(b.jar);
  return other;
}

const rulesOf = async (b: Browser, orgId: string) => (await b.req('POST', `/api/v1/orgs/${orgId}/shield/analyze`, { command: 'git push --force origin main' })).body.reasons.map((r: { rule: string }) => r.rule) as string[];

test('a rule switched off through instance one stops applying on instance two; the other org keeps it', async () => {
  const ownerOnTwo = on(two, p.owner);
  const outsiderOnTwo = on(two, p.outsider);
  assert.ok((await rulesOf(ownerOnTwo, p.home)).includes('git.force-push-protected'), 'instance two has compiled the rules for org A');
  const off = await p.owner.req('PUT', `/api/v1/orgs/${p.home}/shield/rules/git.force-push-protected`, { enabled: false });
  assert.equal(off.status, 200);
  let rules = await rulesOf(ownerOnTwo, p.home);
  for (let i = 0; i < 200 && rules.includes('git.force-push-protected'); i++) {
    await new Promise((r) => setTimeout(r, 10));
    rules = await rulesOf(ownerOnTwo, p.home);
  }
  assert.ok(!rules.includes('git.force-push-protected'), 'instance two honours the change');
  assert.ok((await rulesOf(outsiderOnTwo, p.other)).includes('git.force-push-protected'), 'org B is unaffected');
  const view = await ownerOnTwo.req('GET', `/api/v1/orgs/${p.home}/shield/packs`);
  assert.equal(view.body.rules.find((r: { id: string }) => r.id === 'git.force-push-protected').enabled, false);
});
