import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigSchema } from '../../src/config/schema.ts';
import { createFlowLink, type FlowLink } from '../../src/app.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { DEFAULT_ORG } from '../../src/identity/agents.service.ts';
import { membersRepo } from '../../src/identity/orgs.repo.ts';
import type { Role } from '../../src/identity/roles.ts';
import { ROOT } from '../helpers/flowlink.ts';
import { Browser, PASSWORD, uniqueEmail, type Api } from '../identity/harness.ts';

export interface SiemRig {
  fl: FlowLink;
  store: Store;
  homeOrg: string;
  logs(): string;
  /** A new account (its own org, or added to `orgId` with `role`), signed in. */
  user(orgId?: string, role?: Role): Promise<{ browser: Browser; orgId: string }>;
  /** Closes FlowLink, and the store unless `keepStore`. */
  close(keepStore?: boolean): Promise<void>;
}

/** A real FlowLink with `siem:` configured, open sign-up and a logger whose lines are kept. */
export async function startSiemRig(siem: unknown, opts: { store?: Store; storeOpts?: Parameters<typeof openStore>[0] } = {}): Promise<SiemRig> {
  let logs = '';
  const sink = new Writable({ write(c, _e, cb) { logs += c.toString(); cb(); } });
  const logger = pino({ level: 'debug' }, sink);
  const config = ConfigSchema.parse({ listen: { port: 0 }, identity: { signup: 'open' }, servers: {}, siem });
  const store = opts.store ?? (await openStore(opts.storeOpts ?? { data: 'memory://' }));
  const fl = await createFlowLink({ config, baseDir: ROOT, store, logger });
  const homeOrg = (await fl.agents.ensureOrg(DEFAULT_ORG)).id;
  return {
    fl,
    store,
    homeOrg,
    logs: () => logs,
    async user(orgId?: string, role?: Role) {
      const browser = new Browser({ app: fl.app } as unknown as Api);
      const r = await browser.req('POST', '/api/v1/auth/sign-up', { email: uniqueEmail('siem'), password: PASSWORD, name: 'T' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const me = await browser.req('GET', '/api/v1/me');
      let own = (me.body.orgs as { id: string }[])[0]?.id;
      if (!own && !orgId) {
        const made = await browser.req('POST', '/api/v1/orgs', { name: `org-${Math.random().toString(36).slice(2, 10)}` });
        assert.equal(made.status, 201, JSON.stringify(made.body));
        own = made.body.org.id as string;
      }
      if (orgId && role) await membersRepo.add(store, orgId, me.body.user.id as string, role);
      return { browser, orgId: orgId ?? own! };
    },
    async close(keepStore = false) {
      await fl.close();
      if (!keepStore) await store.close();
    },
  };
}
