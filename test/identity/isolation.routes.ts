import type { OrgFixture } from './isolation.populate.ts';

/**
 * Every route FlowLink serves, classified. The isolation suite enumerates Fastify's route
 * table and fails on any route missing here, so a new route cannot be forgotten.
 *
 * - public: anyone (sign-in, health, console files); tried with B's cookie and with nothing.
 * - user: a signed-in person, no org in the URL; tried with B's cookie (and B's API key, which must be refused).
 * - org: `/api/v1/orgs/:orgId/…`; tried as B's owner (cookie) and B's admin API key, on A's org
 *   (must be refused) and on B's own org with A's object ids (must not reach A's objects).
 * - agent: the MCP edge and the hook decision API (agent bearer tokens); tried with B's agent token.
 * - webhook: signed callbacks of chat services; tried unsigned with A's ids in the body.
 */
export type RouteClass = 'public' | 'user' | 'org' | 'agent' | 'webhook';

export interface RouteEntry {
  kind: RouteClass;
  /** The body B sends (A's ids where an id goes). Default: `{}` for unsafe methods. */
  body?: (a: OrgFixture) => unknown;
  /** Sent as a urlencoded form instead of JSON (OAuth endpoints); `$CSRF` becomes B's CSRF token. */
  form?: true;
  /** Query string B adds (A's ids where filters take ids). */
  query?: (a: OrgFixture) => string;
  /** Streams or heavy work (SSE, PDF): only tried where it must be refused at once (A's org). */
  crossOnly?: true;
  /** Refusal is required even without A's org or object in the path (A's org is in the query). */
  mustRefuse?: true;
  /** May answer 503 (the console's files when it has not been built: `npm run build:console`). */
  mayBeUnavailable?: true;
}

const org = (e: Omit<RouteEntry, 'kind'> = {}): RouteEntry => ({ kind: 'org', ...e });
const user = (e: Omit<RouteEntry, 'kind'> = {}): RouteEntry => ({ kind: 'user', ...e });
const pub = (e: Omit<RouteEntry, 'kind'> = {}): RouteEntry => ({ kind: 'public', ...e });
const rnd = () => Math.random().toString(36).slice(2, 10);
const idsQuery = (a: OrgFixture) => `?agentId=${a.agentId}&agent=${encodeURIComponent(a.agentName)}&userId=${a.ownerId}&orgId=${a.orgId}&callId=${a.callId}`;

export const ROUTES: Record<string, RouteEntry> = {
  // Console, health, metrics, documents.
  'GET /': pub(),
  'GET /console': pub(),
  'GET /console/*': pub({ mayBeUnavailable: true }),
  'GET /reset-password': pub(),
  'GET /invite': pub(),
  'GET /healthz': pub(),
  'GET /metrics': pub(),
  'GET /api/openapi.json': pub(),

  // MCP authorization (FlowLink as authorization server and protected resource).
  'GET /.well-known/oauth-protected-resource/mcp': pub(),
  'GET /.well-known/oauth-protected-resource/mcp/:server': pub(),
  'GET /.well-known/oauth-authorization-server': pub(),
  'GET /oauth/authorize': pub({ query: (a) => `?response_type=code&client_id=https%3A%2F%2Fclient.example%2Fmeta.json&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256&org_id=${a.orgId}` }),
  // B's session and CSRF token, consenting on behalf of A's org: refused.
  'POST /oauth/authorize': pub({ form: true, body: (a) => ({ csrf_token: '$CSRF', org_id: a.orgId, decision: 'approve', response_type: 'code', client_id: 'https://client.example/meta.json', redirect_uri: 'http://127.0.0.1/cb', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' }) }),
  'OPTIONS /oauth/*': pub(),
  'POST /oauth/token': pub({ form: true, body: () => ({ grant_type: 'authorization_code', code: 'guess', client_id: 'https://client.example/meta.json', code_verifier: 'b'.repeat(43), redirect_uri: 'http://127.0.0.1/cb' }) }),
  'POST /oauth/revoke': pub({ form: true, body: () => ({ token: 'fl_guess_token' }) }),
  'POST /oauth/register': pub({ body: () => ({ client_name: 'iso', redirect_uris: ['http://127.0.0.1/cb'] }) }),

  // MCP edge and hooks.
  'POST /mcp': { kind: 'agent' },
  'GET /mcp': { kind: 'agent' },
  'DELETE /mcp': { kind: 'agent' },
  'POST /mcp/:server': { kind: 'agent' },
  'GET /mcp/:server': { kind: 'agent' },
  'DELETE /mcp/:server': { kind: 'agent' },
  'GET /ws/mcp': { kind: 'agent' },
  'GET /ws/mcp/:server': { kind: 'agent' },
  'POST /api/v1/decide': { kind: 'agent' },

  // Chat integrations.
  'POST /api/v1/integrations/slack/interactions': { kind: 'webhook' },
  'POST /api/v1/integrations/telegram/webhook': { kind: 'webhook' },

  // Accounts (public).
  'POST /api/v1/auth/sign-up': pub({ body: (a) => ({ email: a.ownerEmail, password: 'a fine new passphrase' }) }),
  'POST /api/v1/auth/sign-in': pub({ body: (a) => ({ email: a.ownerEmail, password: 'not the password of A' }) }),
  'POST /api/v1/auth/2fa': { kind: 'public', body: () => ({ code: '123456' }) },
  'POST /api/v1/auth/password/forgot': pub({ body: (a) => ({ email: a.memberEmail }) }),
  'POST /api/v1/auth/password/reset': pub({ body: () => ({ token: 'fl_reset_guess', password: 'a fine new passphrase' }) }),
  'GET /api/v1/auth/providers': pub(),
  'GET /api/v1/auth/oauth/:provider/start': pub(),
  'GET /api/v1/auth/oauth/:provider/callback': pub({ query: () => '?state=fl_state_guess&code=guess' }),
  'POST /api/v1/invites/accept': user({ body: () => ({ token: 'fl_invite_guess' }) }),

  // The signed-in user.
  'POST /api/v1/auth/sign-out': user(),
  'GET /api/v1/me': user(),
  'POST /api/v1/me/password': user({ body: () => ({ currentPassword: 'not the password', newPassword: 'a fine new passphrase' }) }),
  'GET /api/v1/me/sessions': user(),
  'DELETE /api/v1/me/sessions/:sessionId': user(),
  'POST /api/v1/me/2fa/setup': user(),
  'POST /api/v1/me/2fa/enable': user({ body: () => ({ code: '123456' }) }),
  'POST /api/v1/me/2fa/disable': user({ body: () => ({ password: 'not the password', code: '123456' }) }),
  'GET /api/v1/me/identities': user(),
  'POST /api/v1/me/identities/:provider/link': user(),
  'DELETE /api/v1/me/identities/:identityId': user(),
  'GET /api/v1/approvals/stream': user({ query: (a) => `?orgId=${a.orgId}`, crossOnly: true, mustRefuse: true }),

  // Organizations, members, invites, API keys.
  'GET /api/v1/orgs': user(),
  'POST /api/v1/orgs': user({ body: () => ({ name: `iso-new-${rnd()}` }) }),
  'GET /api/v1/orgs/:orgId': org(),
  'PATCH /api/v1/orgs/:orgId': org({ body: () => ({ name: `iso-renamed-${rnd()}` }) }),
  'GET /api/v1/orgs/:orgId/members': org(),
  'PATCH /api/v1/orgs/:orgId/members/:userId': org({ body: () => ({ role: 'owner' }) }),
  'DELETE /api/v1/orgs/:orgId/members/:userId': org(),
  'GET /api/v1/orgs/:orgId/invites': org(),
  'POST /api/v1/orgs/:orgId/invites': org({ body: () => ({ email: `iso-${rnd()}@example.test`, role: 'admin' }) }),
  'DELETE /api/v1/orgs/:orgId/invites/:inviteId': org(),
  'GET /api/v1/orgs/:orgId/api-keys': org(),
  'POST /api/v1/orgs/:orgId/api-keys': org({ body: () => ({ name: 'iso', role: 'viewer' }) }),
  'DELETE /api/v1/orgs/:orgId/api-keys/:keyId': org(),

  // Agents.
  'GET /api/v1/orgs/:orgId/agents': org(),
  'POST /api/v1/orgs/:orgId/agents': org({ body: () => ({ name: `iso-agent-${rnd()}` }) }),
  'GET /api/v1/orgs/:orgId/agents/:agentId': org(),
  'PATCH /api/v1/orgs/:orgId/agents/:agentId': org({ body: () => ({ scopes: { servers: ['*'], tools: ['*'] } }) }),
  'DELETE /api/v1/orgs/:orgId/agents/:agentId': org(),
  'POST /api/v1/orgs/:orgId/agents/:agentId/rotate': org({ body: () => ({ overlapSeconds: 0 }) }),

  // Approvals.
  'GET /api/v1/orgs/:orgId/approvals': org(),
  'GET /api/v1/orgs/:orgId/approvals/:id': org(),
  'POST /api/v1/orgs/:orgId/approvals/:id/decision': org({ body: () => ({ action: 'approve', reason: 'iso' }) }),
  'GET /api/v1/orgs/:orgId/approvals-suggested-rules': org(),
  'GET /api/v1/orgs/:orgId/approvals-links': org(),
  'POST /api/v1/orgs/:orgId/approvals-links/telegram-code': org(),
  'PUT /api/v1/orgs/:orgId/approvals-links/slack': org({ body: (a) => ({ userId: a.ownerId, slackUserId: 'U0ISO' }) }),

  // Audit, history, activity, stats.
  'GET /api/v1/orgs/:orgId/audit/events': org({ query: idsQuery }),
  'GET /api/v1/orgs/:orgId/audit/events/:ref': org(),
  'GET /api/v1/orgs/:orgId/audit/chain': org(),
  'GET /api/v1/orgs/:orgId/audit/checkpoint': org(),
  'POST /api/v1/orgs/:orgId/audit/checkpoint': org(),
  'GET /api/v1/orgs/:orgId/audit/retention': org(),
  'PUT /api/v1/orgs/:orgId/audit/retention': org({ body: () => ({ days: 30 }) }),
  'POST /api/v1/orgs/:orgId/audit/retention/purges': org({ body: () => ({ reason: 'iso' }) }),
  'POST /api/v1/orgs/:orgId/audit/retention/purges/:id/approve': org(),
  'POST /api/v1/orgs/:orgId/audit/retention/purges/:id/reject': org(),
  'GET /api/v1/orgs/:orgId/audit/retention/purges/:id/export': org(),
  'GET /api/v1/orgs/:orgId/history': org({ query: idsQuery }),
  'GET /api/v1/orgs/:orgId/history/export': org({ query: (a) => `${idsQuery(a)}&format=jsonl` }),
  'GET /api/v1/orgs/:orgId/history/:callId': org(),
  'GET /api/v1/orgs/:orgId/activity/stream': org({ crossOnly: true }),
  'GET /api/v1/orgs/:orgId/stats/overview': org(),
  'GET /api/v1/orgs/:orgId/siem/sinks': org(),

  // Policies (installation-wide documents edited from the default org).
  'GET /api/v1/orgs/:orgId/policies': org(),
  'PUT /api/v1/orgs/:orgId/policies': org({ body: () => ({ policies: { defaults: { posture: 'deny' } } }) }),
  'GET /api/v1/orgs/:orgId/policies/versions': org(),
  'POST /api/v1/orgs/:orgId/policies/rollback': org({ body: () => ({ version: 1 }) }),
  'POST /api/v1/orgs/:orgId/policies/simulate': org({ body: () => ({ document: { policies: { defaults: { posture: 'deny' } } } }) }),

  // Shield and servers.
  'GET /api/v1/orgs/:orgId/shield/packs': org(),
  'PUT /api/v1/orgs/:orgId/shield/packs/:pack': org({ body: () => ({ enabled: false }) }),
  'PUT /api/v1/orgs/:orgId/shield/rules/:rule': org({ body: () => ({ enabled: false }) }),
  'DELETE /api/v1/orgs/:orgId/shield/rules/:rule': org(),
  'POST /api/v1/orgs/:orgId/shield/analyze': org({ body: () => ({ kind: 'command', text: 'ls' }) }),
  'GET /api/v1/orgs/:orgId/shield/pins': org(),
  'POST /api/v1/orgs/:orgId/shield/pins/approve': org({ body: () => ({ server: 'everything', tool: 'echo', hash: '0'.repeat(64) }) }),
  'POST /api/v1/orgs/:orgId/shield/pins/reject': org({ body: () => ({ server: 'everything', tool: 'echo', hash: '0'.repeat(64) }) }),
  'GET /api/v1/orgs/:orgId/shield/findings': org(),
  'GET /api/v1/orgs/:orgId/servers': org(),
  'GET /api/v1/orgs/:orgId/servers/:server': org(),
  'POST /api/v1/orgs/:orgId/servers/:server/restart': org({ crossOnly: true }),

  // Secrets.
  'GET /api/v1/orgs/:orgId/secrets': org(),
  'GET /api/v1/orgs/:orgId/secrets/_keys': org(),
  'POST /api/v1/orgs/:orgId/secrets/_keys/setup': org(),
  'POST /api/v1/orgs/:orgId/secrets/_keys/verify': org(),
  'POST /api/v1/orgs/:orgId/secrets/_keys/rotate': org({ crossOnly: true }),
  'GET /api/v1/orgs/:orgId/secrets/_grants': org(),
  'POST /api/v1/orgs/:orgId/secrets/_grants': org({ body: () => ({ secret: 'ISO_*', agents: ['iso-*'], servers: ['*'] }) }),
  'DELETE /api/v1/orgs/:orgId/secrets/_grants/:grantId': org(),
  'GET /api/v1/orgs/:orgId/secrets/:name': org(),
  'PUT /api/v1/orgs/:orgId/secrets/:name': org({ body: () => ({ value: 'overwritten-by-b' }) }),
  'DELETE /api/v1/orgs/:orgId/secrets/:name': org({ query: (a) => `?confirm=${a.secretName}` }),
  'GET /api/v1/orgs/:orgId/secrets/:name/versions': org(),
  'GET /api/v1/orgs/:orgId/secrets/:name/usage': org(),
  'POST /api/v1/orgs/:orgId/secrets/:name/check': org(),

  // Snapshots and compliance.
  'GET /api/v1/orgs/:orgId/snapshots': org(),
  'POST /api/v1/orgs/:orgId/snapshots': org({ body: () => ({ reason: 'manual' }) }),
  'GET /api/v1/orgs/:orgId/snapshots/diff': org({ query: (a) => `?from=${a.snapshotId}&to=${a.snapshotId}` }),
  'GET /api/v1/orgs/:orgId/snapshots/:snapshotId': org(),
  'POST /api/v1/orgs/:orgId/snapshots/:snapshotId/restore': org(),
  'GET /api/v1/orgs/:orgId/compliance/standards': org(),
  'GET /api/v1/orgs/:orgId/compliance/summary': org(),
  'GET /api/v1/orgs/:orgId/compliance/report': org(),
  'GET /api/v1/orgs/:orgId/compliance/report/download': org({ query: () => '?format=json', crossOnly: true }),
};

/** A's value for each route parameter; a parameter missing here fails the suite. */
export function paramValue(name: string, url: string, a: OrgFixture): string | undefined {
  switch (name) {
    case 'orgId': return a.orgId;
    case 'agentId': return a.agentId;
    case 'userId': return a.memberId;
    case 'inviteId': return a.inviteId;
    case 'keyId': return a.keyId;
    case 'sessionId': return a.sessionId;
    case 'identityId': return a.identityId;
    case 'provider': return 'github';
    case 'id': return url.includes('/purges/') ? 'purge_of_a' : a.approvalId;
    case 'ref': return a.auditRef;
    case 'callId': return a.callId;
    case 'snapshotId': return a.snapshotId;
    case 'grantId': return a.grantId;
    case 'name': return a.secretName;
    case 'server': return 'everything';
    case 'pack': return 'shell';
    case 'rule': return 'shell.rm-rf';
    case '*': return 'index.html';
    default: return undefined;
  }
}
