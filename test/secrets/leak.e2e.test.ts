import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigSchema } from '../../src/config/schema.ts';
import { createFlowLink } from '../../src/app.ts';
import { openStore } from '../../src/store/open.ts';
import { DEFAULT_ORG } from '../../src/identity/agents.service.ts';
import { InjectedValues, redactLogLine, type Secrets } from '../../src/secrets/index.ts';
import { MASTER_KEY_ENV } from '../../src/secrets/master-key.ts';
import { ROOT } from '../helpers/flowlink.ts';
import { connectClient } from '../helpers/client.ts';

/**
 * The leak test: an upstream that echoes its environment, its arguments and the files
 * they name (and re-encodes all of it), called through a real FlowLink with every
 * injection method. Afterwards no value, in any common encoding, is in what the agent
 * received, in the database (every table, audit log included) or in FlowLink's logs.
 * Needs the wiring described in docs/secrets.md (stage in order.ts, createSecrets in app.ts,
 * serverSecrets in the registry, `secrets:` in the config schema).
 */
const FIXTURE = resolve(ROOT, 'test/fixtures/echo-env-server.mjs');
const rnd = () => randomBytes(9).toString('base64url');
// Characters that every encoding treats differently: space, quotes, slash, plus, percent, backslash, non-ASCII.
const VALUES = {
  ARG_SECRET: `arg pa$$/w0rd+"q"%\\é-${rnd()}`,
  FILE_SECRET: `[default]\naws_secret_access_key = file-${rnd()}\n`,
  ENV_SECRET: `env-db-Pa55:${rnd()}`,
  OTHER_SECRET: `not-granted-${rnd()}`,
};
const PROCESS_ENV_VALUE = `upstream-token-${rnd()}`;

function forms(v: string): string[] {
  const b = Buffer.from(v);
  return [v, b.toString('base64'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), b.toString('hex'), encodeURIComponent(v), JSON.stringify(v).slice(1, -1)];
}

/** Every string inside a value, JSON found in strings parsed again, so escaping never hides a value from the search. */
function flatten(v: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 40) return out;
  if (typeof v === 'string') {
    out.push(v);
    const t = v.trim();
    if ((t.startsWith('{') || t.startsWith('[') || t.startsWith('"')) && t.length < 5_000_000) {
      try {
        flatten(JSON.parse(t), out, depth + 1);
      } catch {
        /* not JSON */
      }
    }
  } else if (Array.isArray(v)) v.forEach((x) => flatten(x, out, depth + 1));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.push(k), flatten(x, out, depth + 1));
  return out;
}

function leaks(thing: unknown, where: string): string[] {
  const haystack = [JSON.stringify(thing), ...flatten(thing)].join('\n');
  const found: string[] = [];
  for (const [name, v] of [...Object.entries(VALUES), ['PROCESS_ENV', PROCESS_ENV_VALUE] as const]) {
    for (const f of forms(v)) if (f.length >= 6 && haystack.includes(f)) found.push(`${name} (${f === v ? 'raw' : 'encoded'}) in ${where}`);
  }
  return found;
}

test('no injected value or encoding of it reaches the agent, the database or the logs', async () => {
  const saved = process.env[MASTER_KEY_ENV];
  process.env[MASTER_KEY_ENV] = randomBytes(32).toString('base64');
  process.env.FL_TEST_UPSTREAM_TOKEN = PROCESS_ENV_VALUE;
  let logs = '';
  const sink = new Writable({ write(c, _e, cb) { logs += c.toString(); cb(); } });
  const values = new InjectedValues();
  const logger = pino({ level: 'debug', hooks: { streamWrite: redactLogLine(values) } }, sink);
  const config = ConfigSchema.parse({
    listen: { port: 0 },
    servers: {
      echo: { command: process.execPath, args: [FIXTURE], env: { UPSTREAM_DB_PASSWORD: '{{secret:ENV_SECRET}}', UPSTREAM_AUTH: 'Bearer {{secret:env:FL_TEST_UPSTREAM_TOKEN}}' } },
    },
    secrets: { grants: [{ secret: 'ARG_*', agents: ['leak-agent'], servers: ['echo'] }, { secret: 'FILE_SECRET', agents: ['leak-agent'], servers: ['ech?'] }] },
  });
  const store = await openStore({ data: 'memory://' });
  const fl = (await createFlowLink({ config, baseDir: ROOT, store, logger, secretValues: values } as Parameters<typeof createFlowLink>[0])) as Awaited<ReturnType<typeof createFlowLink>> & { secrets: Secrets };
  const url = await fl.app.listen({ host: '127.0.0.1', port: 0 });
  const received: unknown[] = [];
  try {
    const org = await fl.agents.ensureOrg(DEFAULT_ORG);
    const orgB = await fl.agents.ensureOrg('org-b');
    const admin = { type: 'user' as const, id: 'test' };
    for (const [name, v] of Object.entries(VALUES)) await fl.secrets.secrets.set(org.id, name, { value: Buffer.from(v) }, admin);
    const { token } = await fl.agents.create(org.id, 'leak-agent');
    const { token: tokenB } = await fl.agents.create(orgB.id, 'leak-agent');
    const c = await connectClient(`${url}/mcp/echo`, token);
    const cB = await connectClient(`${url}/mcp/echo`, tokenB);
    try {
      const progress: unknown[] = [];
      const res = await c.client.callTool(
        { name: 'echo', arguments: { command: 'psql "password={{secret:ARG_SECRET}}"', nested: { list: ['{{ secret:ARG_SECRET }}', 7] }, credentials: '{{secretfile:FILE_SECRET}}' } },
        { onprogress: (p: unknown) => progress.push(p) } as never,
      );
      received.push(res, progress);
      assert.ok(JSON.stringify(progress).includes('[secret:ARG_SECRET]'), 'progress arrived, redacted');
      const report = (res as { structuredContent: { env: Record<string, string>; args: Record<string, unknown>; files: Record<string, { content: string; mode: string }> } }).structuredContent;
      // The values did arrive (the upstream saw them), and came back as labels.
      assert.equal(report.env.UPSTREAM_DB_PASSWORD, '[secret:ENV_SECRET]');
      // Shield's result scanner may redact the label again (it looks like a credential assignment).
      assert.match(report.env.UPSTREAM_AUTH!, /^Bearer \[(secret|redacted):/);
      assert.equal(report.args.command, 'psql "password=[secret:ARG_SECRET]"');
      const [path, file] = Object.entries(report.files)[0]!;
      assert.equal(file.mode, '600');
      assert.ok(file.content.includes('[secret:FILE_SECRET]'));
      assert.equal(existsSync(path), false, 'the credentials file is gone once the call ended');

      const failed = await c.client.callTool({ name: 'fail', arguments: { x: '{{secret:ARG_SECRET}}' } }).then(() => undefined, (e: Error) => e.message);
      received.push(failed);
      assert.equal(failed, 'cannot use {"x":"[secret:ARG_SECRET]"}');

      // Not granted, and not existing: one answer. Org B's agent (same name, same grant) cannot use or detect org A's names.
      const denial = async (client: typeof c.client, name: string) => {
        const r = await client.callTool({ name: 'echo', arguments: { a: `{{secret:${name}}}` } }).catch((e: Error) => ({ error: e.message }));
        received.push(r);
        return JSON.stringify(r).replaceAll(name, 'NAME');
      };
      const notGranted = await denial(c.client, 'OTHER_SECRET');
      const missing = await denial(c.client, 'NO_SUCH_SECRET');
      assert.match(notGranted, /not available/);
      assert.equal(notGranted, missing);
      const crossExisting = await denial(cB.client, 'ARG_SECRET');
      const crossMissing = await denial(cB.client, 'ARG_NOPE');
      assert.match(crossExisting, /not available/);
      assert.equal(crossExisting, crossMissing);
      const viaRef = await denial(c.client, 'env:FL_TEST_UPSTREAM_TOKEN');
      assert.match(viaRef, /not available/, 'agents may not name backend references');
    } finally {
      await c.close();
      await cB.close();
    }
    await fl.audit.close();
    assert.ok(leaks([JSON.stringify({ a: JSON.stringify({ b: VALUES.ARG_SECRET }) })], 'x').length > 0, 'the leak check finds a doubly escaped value');
    const problems = leaks(received, 'what the agent received');
    const tables = await store.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    for (const t of tables) problems.push(...leaks(await store.query(`SELECT * FROM ${t.tablename}`), `table ${t.tablename}`));
    problems.push(...leaks(logs.split('\n'), 'the logs'));
    assert.deepEqual(problems, []);
    assert.ok(logs.includes('[secret:'), 'the upstream stderr reached the logs, redacted');
    const kinds = (await store.query<{ kind: string; data: { secrets?: { name: string; method: string }[] } }>("SELECT kind, data FROM audit_events WHERE kind LIKE 'secret.%'"));
    const used = kinds.filter((k) => k.kind === 'secret.used').flatMap((k) => k.data.secrets ?? []).map((s) => `${s.name}:${s.method}`);
    assert.ok(used.includes('ARG_SECRET:argument') && used.includes('FILE_SECRET:file') && used.includes('ENV_SECRET:env'), used.join(','));
    assert.ok(kinds.some((k) => k.kind === 'secret.denied'));
  } finally {
    await fl.close();
    await store.close();
    if (saved === undefined) delete process.env[MASTER_KEY_ENV];
    else process.env[MASTER_KEY_ENV] = saved;
  }
});
