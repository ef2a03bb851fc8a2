import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Browser, PASSWORD, uniqueEmail, type Api } from './harness.ts';
import { connectClient } from '../helpers/client.ts';

/** Everything one org owns in the isolation suite, and the strings that only it knows. */
export interface OrgFixture {
  tag: string;
  api: Api;
  owner: Browser;
  ownerEmail: string;
  ownerId: string;
  orgId: string;
  orgName: string;
  agentId: string;
  agentName: string;
  agentToken: string;
  heldAgentName: string;
  memberId: string;
  memberEmail: string;
  inviteId: string;
  inviteEmail: string;
  keyId: string;
  keyPrefix: string;
  keySecret: string;
  sessionId: string;
  identityId: string;
  secretName: string;
  secretValue: string;
  grantId: string;
  snapshotId: string;
  callId: string;
  callMarker: string;
  auditRef: string;
  approvalId: string;
  heldMarker: string;
  mcpSession: string;
  /** The held call (settles when FlowLink stops or someone decides). */
  held: Promise<unknown>;
  close(): Promise<void>;
}

const rand = () => randomBytes(5).toString('hex');

async function ok(b: Browser, method: string, url: string, body?: unknown) {
  const r = await b.req(method, url, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${url} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An MCP session opened with raw HTTP (its id is what another org will try to use). */
async function openMcpSession(url: string, token: string): Promise<string> {
  const r = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'iso', version: '1' } } }),
  });
  await r.text();
  const sid = r.headers.get('mcp-session-id');
  assert.ok(sid, `initialize answered ${r.status} without a session id`);
  await fetch(`${url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((x) => x.text());
  // Lists the tools once, so this org's pins exist before the suite (a first listing records them).
  await fetch(`${url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) }).then((x) => x.text());
  return sid;
}

/**
 * Builds one populated org through the public surfaces only: people (owner, member, pending
 * invite), an agent with a completed call and an MCP session, a second agent with a call
 * held for approval, an API key, a secret with a grant, a snapshot, a linked OAuth identity.
 * `heldAgentName` must match the config's approval rule for this org.
 */
export async function populate(api: Api, url: string, tag: string, ip: string, names: { orgName: string; heldAgentName: string }, linkOAuth: (b: Browser) => Promise<void>): Promise<OrgFixture> {
  const ownerEmail = uniqueEmail(`${tag}owner`);
  const owner = new Browser(api, ip);
  await ok(owner, 'POST', '/api/v1/auth/sign-up', { email: ownerEmail, password: PASSWORD, name: `${tag} owner` });
  const ownerId = (await ok(owner, 'GET', '/api/v1/me')).user.id;
  const orgId = (await ok(owner, 'POST', '/api/v1/orgs', { name: names.orgName })).org.id;
  const o = `/api/v1/orgs/${orgId}`;
  const agentName = `${tag}-agent-${rand()}`;
  const created = await ok(owner, 'POST', `${o}/agents`, { name: agentName });
  const held = await ok(owner, 'POST', `${o}/agents`, { name: names.heldAgentName });

  const memberEmail = uniqueEmail(`${tag}member`);
  const member = new Browser(api, ip);
  await ok(member, 'POST', '/api/v1/auth/sign-up', { email: memberEmail, password: PASSWORD });
  const link = (await ok(owner, 'POST', `${o}/invites`, { email: memberEmail, role: 'viewer' })).link as string;
  await ok(member, 'POST', '/api/v1/invites/accept', { token: decodeURIComponent(link.split('token=')[1]!) });
  const memberId = (await ok(member, 'GET', '/api/v1/me')).user.id;
  const inviteEmail = uniqueEmail(`${tag}pending`);
  const inviteId = (await ok(owner, 'POST', `${o}/invites`, { email: inviteEmail, role: 'auditor' })).invite.id;
  const key = await ok(owner, 'POST', `${o}/api-keys`, { name: `${tag}-key`, role: 'admin' });

  const secretName = `${tag.toUpperCase()}_DB_PASSWORD`;
  const secretValue = `${tag}-secret-value-${rand()}`;
  await ok(owner, 'PUT', `${o}/secrets/${secretName}`, { value: secretValue });
  const grant = await ok(owner, 'POST', `${o}/secrets/_grants`, { secret: secretName, agents: [agentName], servers: ['*'] });
  const snapshot = await ok(owner, 'POST', `${o}/snapshots`, { reason: 'manual' });

  await linkOAuth(owner);
  const identityId = (await ok(owner, 'GET', '/api/v1/me/identities')).identities[0].id;
  const sessionId = (await ok(owner, 'GET', '/api/v1/me/sessions')).sessions.find((s: { current: boolean }) => s.current).id;

  // A completed call (history, audit) and a call held for approval.
  const callMarker = `${tag}-call-marker-${rand()}`;
  const c = await connectClient(`${url}/mcp/everything`, created.token);
  await c.client.callTool({ name: 'echo', arguments: { message: callMarker } });
  await c.close();
  const callId = await waitFor(async () => (await ok(owner, 'GET', `${o}/history`)).calls[0]?.call_id ?? (await ok(owner, 'GET', `${o}/history`)).calls[0]?.id, 'the call in the history');
  const heldMarker = `${tag}-held-marker-${rand()}`;
  const h = await connectClient(`${url}/mcp/everything`, held.token);
  const heldCall = h.client.callTool({ name: 'echo', arguments: { message: heldMarker } }, { timeout: 600_000 } as never).catch((e: unknown) => e);
  const approvalId = await waitFor(async () => (await ok(owner, 'GET', `${o}/approvals?state=pending`)).approvals[0]?.id as string | undefined, 'the held approval');
  // The event id (global), not its sequence number (per org: B has its own record with the same number).
  const auditRef = String((await ok(owner, 'GET', `${o}/audit/events?limit=1`)).events[0].id);
  const mcpSession = await openMcpSession(url, created.token);

  return {
    tag, api, owner, ownerEmail, ownerId, orgId, orgName: names.orgName, agentId: created.agent.id, agentName, agentToken: created.token, heldAgentName: names.heldAgentName,
    memberId, memberEmail, inviteId, inviteEmail, keyId: key.apiKey.id, keyPrefix: key.apiKey.prefix, keySecret: key.secret, sessionId, identityId,
    secretName, secretValue, grantId: grant.grant.id, snapshotId: snapshot.snapshot.id, callId, callMarker, auditRef, approvalId, heldMarker, mcpSession,
    held: heldCall,
    close: async () => {
      await h.close().catch(() => {});
    },
  };
}

const strip = (rows: Record<string, unknown>[], keys: string[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k))));

/** What A's owner sees of A: must be identical before and after B's attempts. */
export async function snapshotOf(a: OrgFixture) {
  const g = async (url: string) => {
    const r = await a.owner.req('GET', url);
    assert.equal(r.status, 200, `A's own GET ${url} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
    return r.body;
  };
  const o = `/api/v1/orgs/${a.orgId}`;
  const events = (await g(`${o}/audit/events?limit=200`)).events as { seq: number; kind: string; hash: string }[];
  return {
    org: await g(o),
    members: await g(`${o}/members`),
    invites: await g(`${o}/invites`),
    keys: strip((await g(`${o}/api-keys`)).apiKeys, ['lastUsedAt']),
    agents: strip((await g(`${o}/agents`)).agents, ['lastSeenAt']),
    tokens: (await g(`${o}/agents/${a.agentId}`)).tokens,
    approvals: strip((await g(`${o}/approvals`)).approvals, ['progressAt', 'updatedAt']),
    secrets: await g(`${o}/secrets`),
    grants: await g(`${o}/secrets/_grants`),
    secretVersions: await g(`${o}/secrets/${a.secretName}/versions`),
    snapshots: await g(`${o}/snapshots`),
    history: (await g(`${o}/history`)).calls,
    audit: events.map((e) => `${e.seq}:${e.kind}:${e.hash}`),
    identities: (await g('/api/v1/me/identities')).identities.map((i: { id: string; provider: string }) => `${i.id}:${i.provider}`),
    sessions: (await g('/api/v1/me/sessions')).sessions.map((s: { id: string }) => s.id),
    policies: (await g(`${o}/policies`)).version ?? null,
    pins: await g(`${o}/shield/pins`),
  };
}
