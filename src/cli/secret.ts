import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Command, Io } from './args.ts';
import { print, table } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Store } from '../store/store.ts';
import { createAgentService, DEFAULT_ORG } from '../identity/agents.service.ts';
import { orgsRepo } from '../identity/agents.repo.ts';
import { createAuditWriter } from '../audit/audit.writer.ts';
import { createSecrets, loadMasterKey, SecretsConfigSchema, type Secrets } from '../secrets/index.ts';
import { MAX_VALUE_BYTES } from '../secrets/secrets.types.ts';
import type { Actor } from '../secrets/secrets.types.ts';
import { FlowLinkError } from '../lib/errors.ts';

const USAGE = `Usage:
  flowlink secret set NAME [--org ORG] [--backend REF] [--json]
      the value is read from standard input (a prompt without echo on a terminal), e.g.
        printf '%s' "$DB_PASSWORD" | flowlink secret set PROD_DB_PASSWORD
      never from the command line; --backend vault:kv/data/prod/db#password | env:NAME | file:/path
      stores a reference instead of a value (nothing is read from standard input)
  flowlink secret list [--json]
  flowlink secret versions NAME [--json]
  flowlink secret delete NAME [--yes]          erases the stored values; the history stays
  flowlink secret check NAME [--json]          does it resolve now? (the value is never shown)
  flowlink secret grant add --secret NAME|GLOB (--agent NAME | --agent-label k=v)... --server S... [--tool T...] [--note TEXT] [--json]
  flowlink secret grant list [--json]
  flowlink secret grant remove ID
  flowlink secret keys status [--json]
  flowlink secret keys setup | verify | rotate [--json]   rotate prints progress while re-wrapping
Common: [--org ORG (default: default)] [--config FILE] [--data DIR]
The master key comes from FLOWLINK_MASTER_KEY or FLOWLINK_MASTER_KEY_FILE (demo: <data>/master.key).`;

const SUBS = ['set', 'list', 'versions', 'delete', 'check', 'grant', 'keys'];
const ARGV_VALUE = 'flowlink secret set reads the value from standard input, never from the command line (ps and shell history would show it): printf \'%s\' "$VALUE" | flowlink secret set NAME';

const bad = (m: string) => new FlowLinkError('invalid_params', `${m}\n\n${USAGE}`);
const when = (d: string | Date | null | undefined) => (d ? new Date(d).toISOString().slice(0, 19).replace('T', ' ') : '-');

/** Reads a value: hidden prompt on a terminal, else all of standard input (one trailing newline dropped). */
export async function readValue(io: Io, name: string): Promise<Buffer> {
  const tty = io.stdin as NodeJS.ReadStream;
  if (tty.isTTY && typeof tty.setRawMode === 'function') return promptHidden(io, tty, `Value for ${name} (input hidden): `);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    chunks.push(b);
    size += b.length;
    if (size > MAX_VALUE_BYTES + 2) {
      Buffer.concat(chunks).fill(0);
      throw new FlowLinkError('invalid_params', `the value on standard input is larger than ${MAX_VALUE_BYTES} bytes`);
    }
  }
  let value = Buffer.concat(chunks);
  chunks.forEach((c) => c.fill(0));
  if (value.length && value[value.length - 1] === 0x0a) value = value.subarray(0, value.length - (value[value.length - 2] === 0x0d ? 2 : 1));
  if (!value.length) throw new FlowLinkError('invalid_params', `no value on standard input: printf '%s' "$VALUE" | flowlink secret set ${name}`);
  return value;
}

function promptHidden(io: Io, tty: NodeJS.ReadStream, question: string): Promise<Buffer> {
  return new Promise((done, fail) => {
    // Echo goes off before the prompt appears, so nothing typed after it is ever shown.
    tty.setRawMode(true);
    io.stderr.write(question);
    const bytes: number[] = [];
    tty.resume();
    const finish = (err?: Error) => {
      tty.setRawMode(false);
      tty.pause();
      tty.off('data', onData);
      io.stderr.write('\n');
      if (err) {
        bytes.fill(0);
        fail(err);
      } else {
        const b = Buffer.from(bytes);
        bytes.fill(0);
        done(b);
      }
    };
    const onData = (chunk: Buffer) => {
      for (const c of chunk) {
        if (c === 0x03) return finish(new FlowLinkError('invalid_params', 'cancelled'));
        if (c === 0x0d || c === 0x0a) return bytes.length ? finish() : finish(new FlowLinkError('invalid_params', 'no value typed'));
        if (c === 0x7f || c === 0x08) bytes.pop();
        else bytes.push(c);
        if (bytes.length > MAX_VALUE_BYTES) return finish(new FlowLinkError('invalid_params', `the value is larger than ${MAX_VALUE_BYTES} bytes`));
      }
    };
    tty.on('data', onData);
  });
}

function parseLabels(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list ?? []) {
    const i = l.indexOf('=');
    if (i <= 0 || i === l.length - 1) throw bad(`--agent-label "${l}" must be key=value`);
    out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

async function orgId(store: Store, name: string | undefined): Promise<string> {
  if (!name || name === DEFAULT_ORG) return (await createAgentService({ store }).ensureOrg(DEFAULT_ORG)).id;
  const org = await orgsRepo.byName(store, name);
  if (!org) throw new FlowLinkError('not_found', `no organization named "${name}"`);
  return org.id;
}

function secretsFor(io: Io, loaded: LoadedConfig & { demo: boolean }, store: Store, dataFlag: string | undefined, withVault: boolean) {
  const dataDir = store.kind === 'pglite' ? (dataFlag ? resolve(io.cwd, dataFlag) : resolve(loaded.baseDir, loaded.config.store.data)) : undefined;
  const master = loadMasterKey({ env: io.env, demo: loaded.demo, dataDir });
  if (!master.ok) throw new FlowLinkError('master_key_invalid', master.message);
  if (master.warning) io.stderr.write(`warning: ${master.warning}\n`);
  const cfg = loaded.config.secrets ?? SecretsConfigSchema.parse({});
  const audit = createAuditWriter({ store });
  // Vault credentials are only needed to resolve; listing or setting works without them.
  const secrets = createSecrets({ store, audit, config: withVault ? cfg : { ...cfg, vault: undefined }, masterKey: master.key, env: io.env });
  return { secrets, audit };
}

async function run(sub: string, args: string[], values: Record<string, unknown>, io: Io, s: Secrets, org: string, actor: Actor): Promise<number> {
  const json = values.json === true;
  const out = (data: unknown, text: string) => print(io, json ? JSON.stringify(data) : text);
  const need = (what: string) => {
    if (!args[0]) throw bad(`secret ${sub} needs ${what}`);
    return args[0];
  };
  switch (sub) {
    case 'set': {
      const name = need('a NAME');
      const backend = values.backend as string | undefined;
      let r;
      if (backend && backend !== 'builtin') r = await s.secrets.set(org, name, { reference: backend }, actor);
      else {
        const value = await readValue(io, name);
        try {
          r = await s.secrets.set(org, name, { value }, actor);
        } finally {
          value.fill(0);
        }
      }
      out({ name, ...r }, `Secret ${name} ${r.created ? 'created' : 'updated'}: version ${r.version} (${r.backend}).`);
      return 0;
    }
    case 'list': {
      const rows = await s.secrets.list(org);
      if (json) return out(rows, ''), 0;
      if (!rows.length) return print(io, 'No secrets yet. Store one with: printf \'%s\' "$VALUE" | flowlink secret set NAME'), 0;
      print(io, table([['NAME', 'VERSION', 'BACKEND', 'UPDATED', 'BY', 'LAST USED', 'USES'], ...rows.map((r) => [r.name, String(r.version), r.reference ?? r.backend, when(r.updatedAt), r.updatedBy, when(r.lastUsedAt), String(r.useCount)])]));
      return 0;
    }
    case 'versions': {
      const rows = await s.secrets.versions(org, need('a NAME'));
      if (json) return out(rows, ''), 0;
      print(io, table([['VERSION', 'WHEN', 'BY', 'BACKEND', 'STATE'], ...rows.map((v) => [String(v.version), when(v.createdAt), v.createdBy, v.reference ?? v.backend, v.erased ? 'erased' : 'stored'])]));
      return 0;
    }
    case 'delete': {
      const name = need('a NAME');
      if (values.yes !== true) throw bad(`deleting ${name} erases its stored values: add --yes to confirm`);
      const meta = await s.secrets.get(org, name);
      await s.secrets.remove(org, name, actor);
      out({ name, deleted: true, version: meta.version }, `Secret ${name} deleted (stored values erased; ${meta.version} version${meta.version === 1 ? '' : 's'} of history kept).`);
      return 0;
    }
    case 'check': {
      const r = await s.check(org, need('a NAME'), actor);
      out(r, r.resolvable ? `${r.name} resolves (${r.reference ?? r.backend}, version ${r.version}).` : `${r.name} does NOT resolve: ${r.reason}`);
      return r.resolvable ? 0 : 1;
    }
    case 'grant': {
      const [op, id] = args;
      if (op === 'list') {
        const g = await s.grants.list(org);
        if (json) return out(g, ''), 0;
        const all = [...g.grants, ...g.config];
        if (!all.length) return print(io, 'No grants: no agent may use a secret in tool arguments.'), 0;
        print(io, table([['ID', 'SECRET', 'AGENTS', 'SERVERS', 'TOOLS', 'SOURCE'], ...all.map((x) => [x.id, x.secret, [...x.agents, ...Object.entries(x.agentLabels).map(([k, v]) => `label:${k}=${v}`)].join(','), x.servers.join(','), x.tools.join(','), x.source])]));
        return 0;
      }
      if (op === 'add') {
        const input = {
          secret: values.secret,
          agents: (values.agent as string[] | undefined) ?? [],
          agentLabels: parseLabels(values['agent-label'] as string[] | undefined),
          servers: (values.server as string[] | undefined) ?? [],
          ...(values.tool ? { tools: values.tool } : {}),
          ...(values.note ? { note: values.note } : {}),
        };
        if (typeof input.secret !== 'string') throw bad('grant add needs --secret NAME (or a glob such as PROD_*)');
        const g = await s.grants.add(org, input, actor);
        out(g, `Grant ${g.id} added: ${g.secret} for ${[...g.agents, ...Object.entries(g.agentLabels).map(([k, v]) => `label ${k}=${v}`)].join(', ')} on ${g.servers.join(', ')} (tools ${g.tools.join(', ')}).`);
        return 0;
      }
      if (op === 'remove') {
        if (!id) throw bad('grant remove needs the grant ID (see: flowlink secret grant list)');
        const g = await s.grants.remove(org, id, actor);
        out(g, `Grant ${g.id} removed.`);
        return 0;
      }
      throw bad(`unknown grant subcommand "${op ?? ''}" (add, list, remove)`);
    }
    case 'keys': {
      const [op] = args;
      if (op === 'status') {
        const st = await s.keys.status(org);
        if (json) return out(st, ''), 0;
        if (!st.keys.length) return print(io, 'No key yet: it is created with the first secret (or: flowlink secret keys setup).'), 0;
        print(io, table([['KEY', 'FINGERPRINT', 'STATE', 'CREATED', 'WRAPS'], ...st.keys.map((k) => [k.keyId, k.fingerprint, k.state, when(k.createdAt), String(k.wrappedKeys)])]));
        if (st.rotation.inProgress) print(io, `Rotation in progress: ${st.rotation.remaining} data keys still wrapped to the old key (flowlink secret keys rotate resumes it).`);
        return 0;
      }
      if (op === 'setup') {
        const k = await s.keys.setup(org, actor);
        out(k, `Key ${k.keyId} set up (fingerprint ${k.fingerprint}).`);
        return 0;
      }
      if (op === 'verify') {
        const v = await s.keys.verify(org, actor);
        out(v, v.ok ? `Verified: the server decrypts with key ${v.keyId} (fingerprint ${v.fingerprint}).` : `FAILED: key ${v.keyId} cannot decrypt (is the master key the one it was sealed with?)`);
        return v.ok ? 0 : 1;
      }
      if (op === 'rotate') {
        const r = await s.keys.rotate(org, actor, (p) => {
          if (!json) print(io, `re-wrapping: ${p.total - p.remaining} of ${p.total} data keys moved to the new key, ${p.remaining} left`);
        });
        out(r, `${r.resumed ? 'Resumed rotation' : 'Rotated'}: key ${r.keyId} (fingerprint ${r.fingerprint}) is active; ${r.rewrapped} data keys re-wrapped; ${r.retired.length ? `retired ${r.retired.join(', ')}` : 'the old key is not retired yet (run rotate again)'}.`);
        return r.retired.length || r.rewrapped === 0 ? 0 : 1;
      }
      throw bad(`unknown keys subcommand "${op ?? ''}" (status, setup, verify, rotate)`);
    }
  }
  throw bad(`unknown subcommand "${sub}"`);
}

export const secretCommand: Command = {
  name: 'secret',
  summary: 'Store secrets (value from stdin), list, versions, grants, org keys',
  usage: USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    data: { type: 'string' },
    json: { type: 'boolean' },
    org: { type: 'string' },
    backend: { type: 'string' },
    // Declared only to refuse it with a clear message (a value on the command line leaks).
    value: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    secret: { type: 'string' },
    agent: { type: 'string', multiple: true },
    'agent-label': { type: 'string', multiple: true },
    server: { type: 'string', multiple: true },
    tool: { type: 'string', multiple: true },
    note: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const [sub, ...rest] = positionals;
    if (!sub || !SUBS.includes(sub)) throw bad(sub ? `unknown subcommand "${sub}"` : 'a subcommand is required');
    if (values.value !== undefined || (sub === 'set' && (rest.length > 1 || rest[0]?.includes('=')))) throw new FlowLinkError('invalid_params', ARGV_VALUE);
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    let audit;
    try {
      const made = secretsFor(io, loaded, store, values.data as string | undefined, sub === 'check');
      audit = made.audit;
      const org = await orgId(store, values.org as string | undefined);
      const actor: Actor = { type: 'user', id: `cli:${userInfo().username}` };
      return await run(sub, rest, values, io, made.secrets, org, actor);
    } finally {
      await audit?.close();
      await store.close();
    }
  },
};
