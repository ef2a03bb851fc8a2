import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigSchema } from '../../src/config/schema.ts';
import { createFlowLink, type FlowLink } from '../../src/app.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { DEFAULT_ORG } from '../../src/identity/agents.service.ts';
import { membersRepo } from '../../src/identity/orgs.repo.ts';
import type { Role } from '../../src/identity/roles.ts';
import { InjectedValues, redactLogLine } from '../../src/secrets/index.ts';
import { MASTER_KEY_ENV } from '../../src/secrets/master-key.ts';
import { ROOT, privatePgUrl } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, uniqueEmail, type Api } from '../identity/harness.ts';

export const ECHO = resolve(ROOT, 'test/fixtures/echo-env-server.mjs');

export interface SecretsRig {
  fl: FlowLink;
  store: Store;
  url: string;
  homeOrg: string;
  /** Everything FlowLink logged (debug level), one JSON line each. */
  logs(): string;
  signUp(): Promise<{ browser: Browser; userId: string; orgs: { id: string; name: string }[] }>;
  /** A new user added to `orgId` with `role`, signed in. */
  member(orgId: string, role: Role): Promise<Browser>;
  dump(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real FlowLink (PGlite or PostgreSQL) with the echo-env upstream, a master key, open
 * sign-up and a logger whose every line is kept, so tests can look for values in it.
 */
export async function startSecretsRig(opts: { postgres?: boolean; secrets?: Record<string, unknown>; servers?: Record<string, unknown> } = {}): Promise<SecretsRig> {
  const saved = process.env[MASTER_KEY_ENV];
  process.env[MASTER_KEY_ENV] = randomBytes(32).toString('base64');
  let logs = '';
  const sink = new Writable({ write(c, _e, cb) { logs += c.toString(); cb(); } });
  const values = new InjectedValues();
  const logger = pino({ level: 'debug', hooks: { streamWrite: redactLogLine(values) } }, sink);
  const config = ConfigSchema.parse({
    listen: { port: 0 },
    identity: { signup: 'open' },
    servers: opts.servers ?? { echo: { command: process.execPath, args: [ECHO] } },
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
  });
  const store = await openStore(opts.postgres ? { url: await privatePgUrl(), data: '' } : { data: 'memory://' });
  const fl = await createFlowLink({ config, baseDir: ROOT, store, logger, secretValues: values });
  const url = await fl.app.listen({ host: '127.0.0.1', port: 0 });
  const homeOrg = (await fl.agents.ensureOrg(DEFAULT_ORG)).id;

  async function signUp() {
    const browser = new Browser({ app: fl.app } as unknown as Api);
    const r = await browser.req('POST', '/api/v1/auth/sign-up', { email: uniqueEmail('s'), password: PASSWORD, name: 'T' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const me = await browser.req('GET', '/api/v1/me');
    return { browser, userId: me.body.user.id as string, orgs: me.body.orgs as { id: string; name: string }[] };
  }

  return {
    fl,
    store,
    url,
    homeOrg,
    logs: () => logs,
    signUp,
    async member(orgId, role) {
      const u = await signUp();
      await membersRepo.add(store, orgId, u.userId, role);
      return u.browser;
    },
    async dump() {
      const tables = await store.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()');
      let out = '';
      for (const t of tables) out += `${t.tablename}: ${JSON.stringify(await store.query(`SELECT * FROM ${t.tablename}`))}\n`;
      return out;
    },
    async close() {
      await fl.secrets.keys.idle();
      await fl.close();
      await store.close();
      if (saved === undefined) delete process.env[MASTER_KEY_ENV];
      else process.env[MASTER_KEY_ENV] = saved;
    },
  };
}

/** The value and its common encodings, as a leak search looks for them. */
export function encodings(v: string): string[] {
  const b = Buffer.from(v);
  return [v, b.toString('base64'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), b.toString('hex'), encodeURIComponent(v), JSON.stringify(v).slice(1, -1)];
}

export function assertNoLeak(haystack: string, value: string, where: string) {
  for (const f of encodings(value)) assert.ok(!haystack.includes(f), `${where} contains the value (${f === value ? 'raw' : 'encoded'})`);
}
