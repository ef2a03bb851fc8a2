import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, Io } from './args.ts';
import { print, table } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { orgsRepo } from '../identity/agents.repo.ts';
import { FlowLinkError } from '../lib/errors.ts';
import type { Store } from '../store/store.ts';
import { createAuditKeys, SIGNING_KEY_ENV } from '../audit/keys.ts';
import { checkpointOrg } from '../audit/checkpointer.ts';
import { checkpointRepo } from '../audit/checkpoint.repo.ts';
import { exportCheckpoint, parseExportedCheckpoint, type ExportedCheckpoint } from '../audit/checkpoint.ts';
import { verifyStoredLog } from '../audit/verify.store.ts';
import type { VerifyReport } from '../audit/verify.ts';
import { createAuditWriter } from '../audit/audit.writer.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';
import { usersRepo } from '../identity/accounts.repo.ts';
import { membersRepo } from '../identity/orgs.repo.ts';
import type { AuditKeys } from '../audit/keys.ts';
import { createRetentionService, type RetentionActor } from '../audit/retention.service.ts';

/** Exit status when verification finds a problem (1 is any other failure, 2 bad usage). */
export const EXIT_TAMPERED = 4;
const MAX_CHECKPOINT_FILE = 64 * 1024;

const usage = `Usage:
  flowlink audit verify [--from N] [--org NAME] [--checkpoint FILE] [--json]
      checks every org's hash chain (or one org's), the signed checkpoints stored with it and,
      with --checkpoint, a checkpoint exported earlier; exit 0 intact, 4 tampered
  flowlink audit checkpoint [--org NAME] [--export FILE]
      signs a checkpoint over the newest record now and prints (or writes) it as JSON; keep the
      file somewhere else: it makes a truncated log detectable
  flowlink audit keys list
  flowlink audit keys rotate      a new signing key signs from now on; old ones still verify
  flowlink audit retention show [--org NAME] [--json]
  flowlink audit retention set DAYS --as EMAIL [--org NAME]
  flowlink audit retention request-purge --as EMAIL [--org NAME] [--json]
  flowlink audit retention approve-purge ID --as EMAIL [--export FILE] [--org NAME] [--json]
      records older than the retention period are deleted only when one owner or admin
      requests it and a different owner, admin or auditor approves (--as names the member);
      --export writes the records (JSON Lines) to a new FILE first and deletes only if that worked
Common: [--config FILE] [--data DIR]. The signing key lives in <data>/audit-keys/ (0600) or in ${SIGNING_KEY_ENV}.`;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Verify the audit log, sign and export checkpoints, rotate signing keys',
  usage,
  options: {
    config: { type: 'string', short: 'c' },
    data: { type: 'string' },
    json: { type: 'boolean' },
    from: { type: 'string' },
    org: { type: 'string' },
    checkpoint: { type: 'string' },
    export: { type: 'string' },
    as: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const [sub, sub2] = positionals;
    if (!sub || !['verify', 'checkpoint', 'keys', 'retention'].includes(sub)) throw new FlowLinkError('invalid_params', `unknown or missing subcommand "${(sub ?? '').slice(0, 40)}"\n\n${usage}`);
    if (sub === 'keys' && !['list', 'rotate'].includes(sub2 ?? '')) throw new FlowLinkError('invalid_params', `audit keys needs "list" or "rotate"\n\n${usage}`);
    if (sub === 'retention' && !RETENTION_SUBS.includes(sub2 ?? '')) throw new FlowLinkError('invalid_params', `audit retention needs one of ${RETENTION_SUBS.join(', ')}\n\n${usage}`);
    const fromSeq = values.from === undefined ? 1 : Number(values.from);
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw new FlowLinkError('invalid_params', '--from must be a sequence number (1 or more)');
    let exported: ExportedCheckpoint | undefined;
    if (values.checkpoint) exported = readCheckpoint(resolve(io.cwd, values.checkpoint as string));

    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const dataDir = values.data ? resolve(io.cwd, values.data as string) : resolve(loaded.baseDir, loaded.config.store.data);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const keys = createAuditKeys({ store, dir: dataDir, envKey: io.env[SIGNING_KEY_ENV] || undefined });
      if (sub === 'retention') return await retention(io, store, keys, sub2!, positionals[2], values);
      if (sub === 'keys') {
        if (sub2 === 'rotate') {
          const r = await keys.rotate();
          const org = await orgsRepo.byName(store, DEFAULT_ORG);
          if (org) await createAuditWriter({ store }).append({ orgId: org.id, kind: 'audit.key.rotated', actor: { type: 'user', id: 'cli' }, outcome: 'success', data: { key_id: r.id, previous_key_id: r.previous, algorithm: 'ed25519' } });
          print(io, `New audit signing key ${r.id} is active${r.previous ? `; ${r.previous} is retired (it still verifies its checkpoints)` : ''}.`);
          return 0;
        }
        const rows = await checkpointRepo.keys(store);
        if (values.json) return rows.forEach((k) => print(io, JSON.stringify(k))), 0;
        if (!rows.length) return print(io, 'No signing keys yet: the first checkpoint creates one.'), 0;
        print(io, table([['KEY', 'CREATED', 'STATE'], ...rows.map((k) => [k.id, new Date(k.created_at).toISOString(), k.retired_at ? `retired ${new Date(k.retired_at).toISOString()}` : 'active'])]));
        return 0;
      }
      const orgs = await selectOrgs(store, values.org as string | undefined, exported);
      if (sub === 'checkpoint') {
        if (orgs.length !== 1) throw new FlowLinkError('invalid_params', 'name the org with --org (several orgs have audit records)');
        const org = orgs[0]!;
        const cp = await checkpointOrg({ store, keys }, org.id);
        if (!cp) throw new FlowLinkError('not_found', `org "${org.name}" has no audit records yet`);
        const pub = (await keys.publicKeys()).get(cp.key_id);
        if (!pub) throw new FlowLinkError('internal', `signing key ${cp.key_id} is missing from the database`);
        const out = exportCheckpoint(cp, org.name, pub);
        const text = JSON.stringify(out, null, 2) + '\n';
        if (values.export) {
          writeFileSync(resolve(io.cwd, values.export as string), text, { mode: 0o644 });
          io.stderr.write(`checkpoint for ${org.name} at seq ${cp.seq} written to ${values.export as string}\n`);
        } else io.stdout.write(text);
        return 0;
      }
      return await verify(io, store, orgs, fromSeq, exported, Boolean(values.json));
    } finally {
      await store.close();
    }
  },
};

const RETENTION_SUBS = ['show', 'set', 'request-purge', 'approve-purge'];

async function retention(io: Io, store: Store, keys: AuditKeys, sub: string, arg: string | undefined, values: Record<string, unknown>): Promise<number> {
  const orgNameArg = ((values.org as string | undefined) ?? DEFAULT_ORG).slice(0, 128);
  const org = await orgsRepo.byName(store, orgNameArg);
  if (!org) throw new FlowLinkError('not_found', `no org named "${orgNameArg.slice(0, 64)}"`);
  const service = createRetentionService({ store, audit: createAuditWriter({ store }), keys });
  const json = Boolean(values.json);
  if (sub === 'show') {
    const r = await service.show(org.id);
    if (json) return print(io, JSON.stringify(r)), 0;
    print(io, r.days === null ? `${org.name}: no retention period set (records are kept).` : `${org.name}: records are kept ${r.days} days (set ${r.updated_at}).`);
    if (r.due) print(io, r.due.events ? `Due for purging: ${r.due.events} records and ${r.due.calls} calls older than ${r.due.cutoff} (below seq ${r.due.below_seq}).` : 'Nothing is older than the retention period.');
    if (r.truncated_below) print(io, `The chain begins at seq ${r.truncated_below.seq} (purged ${r.truncated_below.ts}, request ${r.truncated_below.request_id}).`);
    if (r.requests.length) print(io, table([['REQUEST', 'STATE', 'BELOW SEQ', 'RECORDS', 'REQUESTED BY', 'DECIDED BY'], ...r.requests.map((q) => [q.id, q.state, String(q.below_seq), String(q.events), q.requested_by_name, q.decided_by_name ?? ''])]));
    return 0;
  }
  const actor = await cliActor(store, org.id, values.as as string | undefined);
  if (sub === 'set') {
    const days = Number(arg);
    if (arg === undefined || !Number.isInteger(days)) throw new FlowLinkError('invalid_params', 'audit retention set needs the number of days, e.g. "audit retention set 365 --as you@example.com"');
    const r = await service.set(actor, days);
    print(io, `${org.name}: records are kept ${r.days} days${r.previous ? ` (was ${r.previous})` : ''}.`);
    return 0;
  }
  if (sub === 'request-purge') {
    const r = await service.requestPurge(actor);
    if (json) return print(io, JSON.stringify(r)), 0;
    print(io, `Purge request ${r.id}: ${r.events} records and ${r.calls} calls below seq ${r.below_seq} (older than ${r.cutoff}).\nNothing is deleted until a different owner, admin or auditor approves it (before ${r.expires_at}):\n  flowlink audit retention approve-purge ${r.id} --as OTHER_EMAIL`);
    return 0;
  }
  if (!arg || !/^[A-Za-z0-9_-]{1,64}$/.test(arg)) throw new FlowLinkError('invalid_params', 'audit retention approve-purge needs the request id (see "audit retention show")');
  if (values.export) {
    // Export first; a failed write leaves everything in place.
    const file = resolve(io.cwd, values.export as string);
    const out = createWriteStream(file, { mode: 0o600, flags: 'wx' });
    const done = new Promise<void>((ok, fail) => (out.on('finish', ok), out.on('error', fail)));
    let lines = 0;
    try {
      for await (const chunk of service.exportPurge(actor, arg)) {
        lines += chunk.split('\n').length - 1;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } finally {
      out.end();
    }
    await done;
    io.stderr.write(`exported ${lines} records to ${values.export as string}\n`);
  }
  const r = await service.approvePurge(actor, arg);
  if (json) return print(io, JSON.stringify(r)), 0;
  print(io, `Purged ${r.purged_events} records and ${r.purged_calls} calls of ${org.name}; the chain now begins at seq ${r.below_seq} (signed marker written).`);
  return 0;
}

/** The member the CLI acts as: --as names them; their role in the org decides what they may do. */
async function cliActor(store: Store, orgId: string, email: string | undefined): Promise<RetentionActor> {
  if (!email) throw new FlowLinkError('invalid_params', '--as EMAIL is required: it names the member who makes this change');
  const user = await usersRepo.byEmail(store, email.trim().toLowerCase().slice(0, 320));
  const member = user ? await membersRepo.get(store, orgId, user.id) : undefined;
  if (!user || !member) throw new FlowLinkError('not_found', `no member of this org has the address ${email.slice(0, 100)}`);
  return { orgId, userId: user.id, name: user.email, role: member.role };
}

function readCheckpoint(file: string): ExportedCheckpoint {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new FlowLinkError('invalid_params', `--checkpoint: cannot read ${file}`);
  }
  if (text.length > MAX_CHECKPOINT_FILE) throw new FlowLinkError('invalid_params', `--checkpoint: ${file} is too large to be a checkpoint`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FlowLinkError('invalid_params', `--checkpoint: ${file} is not JSON`);
  }
  const r = parseExportedCheckpoint(json);
  if (!r.ok) throw new FlowLinkError('invalid_params', `--checkpoint: ${file}: ${r.message}`);
  return r.checkpoint;
}

async function selectOrgs(store: Store, name: string | undefined, exported: ExportedCheckpoint | undefined): Promise<{ id: string; name: string }[]> {
  const wanted = name ?? exported?.org_name;
  if (wanted !== undefined) {
    const org = await orgsRepo.byName(store, wanted.slice(0, 128));
    if (!org) throw new FlowLinkError('not_found', `no org named "${wanted.slice(0, 64)}"`);
    return [{ id: org.id, name: org.name }];
  }
  return (await checkpointRepo.heads(store)).map((h) => ({ id: h.org_id, name: h.org_name }));
}

async function verify(io: Io, store: Store, orgs: { id: string; name: string }[], fromSeq: number, exported: ExportedCheckpoint | undefined, json: boolean): Promise<number> {
  const started = Date.now();
  let lastLine = 0;
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const reports: (VerifyReport & { org: string })[] = [];
  for (const org of orgs) {
    const report = await verifyStoredLog(store, {
      orgId: org.id,
      fromSeq,
      exported: exported?.org_id === org.id ? exported : undefined,
      // A progress line once a run takes more than a second, at most once a second.
      onProgress: ({ seq, records }) => {
        const now = Date.now();
        if (now - started < 1000 || now - lastLine < 1000) return;
        lastLine = now;
        const rate = Math.round(records / ((now - started) / 1000));
        io.stderr.write(`${tty ? '\r' : ''}verifying ${org.name}: seq ${seq}, ${records} records, ${rate}/s${tty ? '' : '\n'}`);
      },
    });
    reports.push({ ...report, org: org.name });
  }
  if (lastLine && tty) io.stderr.write('\n');
  const ok = reports.every((r) => r.ok);
  if (json) {
    print(io, JSON.stringify({ ok, orgs: reports }));
    return ok ? 0 : EXIT_TAMPERED;
  }
  if (!reports.length) print(io, 'No audit records yet.');
  for (const r of reports) {
    const cps = r.checkpointsChecked ? `, ${r.checkpointsChecked} checkpoint${r.checkpointsChecked > 1 ? 's' : ''}` : ', no checkpoints';
    if (r.ok) {
      print(io, `${r.org}: intact, records ${r.fromSeq}..${r.lastSeq} (${r.records}${cps})`);
      continue;
    }
    print(io, `${r.org}: TAMPERED, ${r.problems.length}${r.moreProblems ? '+' : ''} problem${r.problems.length > 1 ? 's' : ''} in records ${r.fromSeq}..${r.lastSeq}${cps}`);
    for (const p of r.problems) print(io, `  seq ${p.seq}  ${p.kind}: ${p.message}`);
  }
  return ok ? 0 : EXIT_TAMPERED;
}
