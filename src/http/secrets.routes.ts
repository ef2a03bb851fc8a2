import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Secrets } from '../secrets/index.ts';
import type { Actor } from '../secrets/secrets.types.ts';
import { NAME_RE, MAX_REFERENCE_CHARS } from '../secrets/secrets.types.ts';
import type { AgentService } from '../identity/agents.service.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { route, who, S } from './identity.kit.ts';

const orgParams = S.obj({ orgId: S.id }, ['orgId']);
// A name starts with a letter, so the fixed segments `_keys` and `_grants` never collide with one.
const name = { type: 'string', maxLength: 128, pattern: NAME_RE.source };
const nameParams = S.obj({ orgId: S.id, name }, ['orgId', 'name']);
const grantParams = S.obj({ orgId: S.id, grantId: S.id }, ['orgId', 'grantId']);
const glob = S.str(128, { minLength: 1 });

function actorOf(req: FastifyRequest): Actor {
  const a = who.actor(req);
  return { type: 'user', id: a.kind === 'user' ? a.id : `api_key:${a.id}` };
}

/**
 * Secrets through the API (the console's Secrets page and automation). Values are
 * write-only: a body's `value` is encrypted and dropped, never echoed, logged or audited.
 * Everything is scoped to `:orgId` in the repo layer: another org's name answers exactly
 * like a name that does not exist. Backend references (vault:, env:, file:) read the
 * installation's own Vault, environment and files, so only the default organization may
 * register them.
 */
export function secretsRoutes(deps: { secrets: Secrets; agents: AgentService }) {
  const s = deps.secrets;
  let home: string | undefined;
  async function requireHome(orgId: string) {
    home ??= (await deps.agents.ensureOrg(DEFAULT_ORG)).id;
    if (orgId !== home) throw new FlowLinkError('forbidden', "backend references (vault:, env:, file:) read the installation's own Vault, environment and files; only the default organization may register them");
  }

  return (api: FastifyInstance) => {
    const tags = ['secrets'];
    const read = { kind: 'org' as const, perm: 'secrets.read' as const };
    const manage = { kind: 'org' as const, perm: 'secrets.manage' as const };

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/secrets', auth: read, tags, summary: 'Secrets of the organization: names and metadata, never values',
      schema: { params: orgParams },
      async handler(req) {
        return { secrets: await s.secrets.list(who.actor(req).orgId) };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/secrets/_keys', auth: read, tags, summary: 'The org key pairs (fingerprints, states, how many data keys each wraps) and rotation progress',
      schema: { params: orgParams },
      async handler(req) {
        return s.keys.status(who.actor(req).orgId);
      },
    });
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/secrets/_keys/setup', auth: manage, tags, summary: "Create the organization's key pair (also done on the first secret stored)",
      schema: { params: orgParams },
      async handler(req, reply) {
        const k = await s.keys.setup(who.actor(req).orgId, actorOf(req));
        return reply.status(201).send({ keyId: k.keyId, fingerprint: k.fingerprint, state: k.state, createdAt: k.createdAt });
      },
    });
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/secrets/_keys/verify', auth: manage, tags, summary: 'Prove the server can decrypt with the org key (a random challenge; only the outcome comes back)',
      schema: { params: orgParams },
      async handler(req) {
        return s.keys.verify(who.actor(req).orgId, actorOf(req));
      },
    });
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/secrets/_keys/rotate', auth: manage, tags, summary: 'Rotate online: a new key is active at once; data keys are re-wrapped in the background (progress in GET _keys), then the old key is retired',
      schema: { params: orgParams },
      async handler(req, reply) {
        return reply.status(202).send(await s.keys.startRotation(who.actor(req).orgId, actorOf(req)));
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/secrets/_grants', auth: read, tags, summary: "Which agents may use which secrets on which servers and tools: the org's grants and the config's (read-only)",
      schema: { params: orgParams },
      async handler(req) {
        return s.grants.list(who.actor(req).orgId);
      },
    });
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/secrets/_grants', auth: manage, tags, summary: 'Let agents (names or labels) use secrets (name or glob) on servers and tools',
      schema: {
        params: orgParams,
        body: S.obj(
          {
            secret: glob,
            agents: { type: 'array', maxItems: 100, items: glob },
            agentLabels: { type: 'object', maxProperties: 20, additionalProperties: S.str(128) },
            servers: { type: 'array', minItems: 1, maxItems: 100, items: glob },
            tools: { type: 'array', minItems: 1, maxItems: 100, items: S.str(256, { minLength: 1 }) },
            note: S.str(500),
          },
          ['secret', 'servers'],
        ),
      },
      async handler(req, reply) {
        return reply.status(201).send({ grant: await s.grants.add(who.actor(req).orgId, req.body, actorOf(req)) });
      },
    });
    route(api, {
      method: 'DELETE', url: '/v1/orgs/:orgId/secrets/_grants/:grantId', auth: manage, tags, summary: 'Remove a grant (applies to the next call)',
      schema: { params: grantParams },
      async handler(req) {
        return { removed: await s.grants.remove(who.actor(req).orgId, (req.params as { grantId: string }).grantId, actorOf(req)) };
      },
    });

    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/secrets/:name', auth: read, tags, summary: "One secret's metadata (never its value)",
      schema: { params: nameParams },
      async handler(req) {
        return { secret: await s.secrets.get(who.actor(req).orgId, (req.params as { name: string }).name) };
      },
    });
    route(api, {
      method: 'PUT', url: '/v1/orgs/:orgId/secrets/:name', auth: manage, tags, summary: 'Create or update a secret: a value (write-only, never returned) or a reference (vault:…, env:…, file:…); each change is a new version',
      schema: {
        params: nameParams,
        // `value` declares no JSON type on purpose: the validator would coerce a number or a
        // one-element array into a string and store it; the handler refuses anything but a string.
        body: S.obj({ value: { description: 'string, 4 to 65,536 characters; write-only (checked by the handler, so a wrong type is refused without echoing it)' }, reference: { type: 'string', minLength: 1, maxLength: MAX_REFERENCE_CHARS } }),
      },
      async handler(req, reply) {
        const { orgId } = who.actor(req);
        const secretName = (req.params as { name: string }).name;
        const body = req.body as { value?: string; reference?: string };
        if ((body.value === undefined) === (body.reference === undefined)) throw new FlowLinkError('invalid_params', 'send exactly one of "value" (stored encrypted, never returned) or "reference" (vault:…, env:… or file:…)');
        if (body.value !== undefined && typeof body.value !== 'string') throw new FlowLinkError('invalid_params', 'body/value must be string (the secret, as text)');
        let r;
        if (body.value !== undefined) {
          const value = Buffer.from(body.value, 'utf8');
          try {
            r = await s.secrets.set(orgId, secretName, { value }, actorOf(req));
          } finally {
            value.fill(0);
          }
        } else {
          await requireHome(orgId);
          r = await s.secrets.set(orgId, secretName, { reference: body.reference! }, actorOf(req));
        }
        return reply.status(r.created ? 201 : 200).send({ name: secretName, version: r.version, backend: r.backend, created: r.created });
      },
    });
    route(api, {
      method: 'DELETE', url: '/v1/orgs/:orgId/secrets/:name', auth: manage, tags, summary: 'Delete a secret (send ?confirm=NAME): it stops resolving at once, stored values are erased, the version history stays',
      schema: { params: nameParams, querystring: S.obj({ confirm: S.str(128) }) },
      async handler(req) {
        const { orgId } = who.actor(req);
        const secretName = (req.params as { name: string }).name;
        const confirm = (req.query as { confirm?: string }).confirm;
        if (confirm !== secretName) throw new FlowLinkError('invalid_params', `deleting a secret erases its stored values: repeat its name as ?confirm=${secretName}`);
        const before = await s.secrets.get(orgId, secretName);
        await s.secrets.remove(orgId, secretName, actorOf(req));
        return { name: secretName, deleted: true, version: before.version };
      },
    });
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/secrets/:name/versions', auth: read, tags, summary: 'Every version: who and when, backend and reference (never a value)',
      schema: { params: nameParams },
      async handler(req) {
        return { versions: await s.secrets.versions(who.actor(req).orgId, (req.params as { name: string }).name) };
      },
    });
    route(api, {
      method: 'GET', url: '/v1/orgs/:orgId/secrets/:name/usage', auth: read, tags, summary: 'Recent uses: call, agent, server, tool, time (?limit=1..500, default 50)',
      schema: { params: nameParams, querystring: S.obj({ limit: { type: 'integer', minimum: 1, maximum: 500 } }) },
      async handler(req) {
        const limit = (req.query as { limit?: number }).limit ?? 50;
        return { uses: await s.secrets.usage(who.actor(req).orgId, (req.params as { name: string }).name, limit) };
      },
    });
    route(api, {
      method: 'POST', url: '/v1/orgs/:orgId/secrets/:name/check', auth: manage, tags, summary: 'Check that a secret resolves now (decrypts, or its backend has a value); the value is never returned',
      schema: { params: nameParams },
      async handler(req) {
        return s.check(who.actor(req).orgId, (req.params as { name: string }).name, actorOf(req));
      },
    });
  };
}
