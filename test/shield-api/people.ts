import assert from 'node:assert/strict';
import type { Running } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, uniqueEmail, type Api } from '../identity/harness.ts';

/** People of a FlowLink for API tests: the first sign-up owns the default org. */
export async function signUp(fl: Running, tag: string): Promise<Browser> {
  const b = new Browser({ app: fl.fl.app } as unknown as Api);
  const r = await b.req('POST', '/api/v1/auth/sign-up', { email: uniqueEmail(tag), password: PASSWORD, name: tag });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return b;
}

/** A new member of `orgId` with `role`, invited by `owner`. */
export async function member(fl: Running, owner: Browser, orgId: string, role: string): Promise<Browser> {
  const email = uniqueEmail(role);
  const m = new Browser({ app: fl.fl.app } as unknown as Api);
  assert.equal((await m.req('POST', '/api/v1/auth/sign-up', { email, password: PASSWORD, name: role })).status, 201);
  const inv = await owner.req('POST', `/api/v1/orgs/${orgId}/invites`, { email, role });
  assert.equal(inv.status, 201, JSON.stringify(inv.body));
  const token = decodeURIComponent(String(inv.body.link).split('token=')[1]!);
  const acc = await m.req('POST', '/api/v1/invites/accept', { token });
  assert.equal(acc.status, 200, JSON.stringify(acc.body));
  return m;
}

export interface People {
  owner: Browser;
  viewer: Browser;
  home: string;
  outsider: Browser;
  other: string;
}

/** Owner and viewer of the default org, and the owner of a second org. */
export async function people(fl: Running): Promise<People> {
  const owner = await signUp(fl, 'owner');
  const home = (await owner.req('GET', '/api/v1/orgs')).body.orgs[0].id as string;
  assert.equal(home, fl.orgId, 'the first sign-up owns the default org');
  const viewer = await member(fl, owner, home, 'viewer');
  const outsider = await signUp(fl, 'outsider');
  const other = (await outsider.req('POST', '/api/v1/orgs', { name: `other-${Date.now()}` })).body.org.id as string;
  return { owner, viewer, home, outsider, other };
}
