import { readFileSync, writeFileSync } from 'node:fs';
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
import { CHECKPOINT_FORMAT, parseExportedCheckpoint, type ExportedCheckpoint } from '../audit/checkpoint.ts';
import { verifyStoredLog } from '../audit/verify.store.ts';
import type { VerifyReport } from '../audit/verify.ts';
import { createAuditWriter } from '../audit/audit.writer.ts';
import { DEFAULT_ORG } from '../identity/agents.service.ts';

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
  },
  async run({ values, positionals }, io) {
    const [sub, sub2] = positionals;
    if (!sub || !['verify', 'checkpoint', 'keys'].includes(sub)) throw new FlowLinkError('invalid_params', `unknown or missing subcommand "${(sub ?? '').slice(0, 40)}"\n\n${usage}`);
    if (sub === 'keys' && !['list', 'rotate'].includes(sub2 ?? '')) throw new FlowLinkError('invalid_params', `audit keys needs "list" or "rotate"\n\n${usage}`);
    const fromSeq = values.from === undefined ? 1 : Number(values.from);
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw new FlowLinkError('invalid_params', '--from must be a sequence number (1 or more)');
    let exported: ExportedCheckpoint | undefined;
    if (values.checkpoint) exported = readCheckpoint(resolve(io.cwd, values.checkpoint as string));

    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const dataDir = values.data ? resolve(io.cwd, values.data as string) : resolve(loaded.baseDir, loaded.config.store.data);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const keys = createAuditKeys({ store, dir: dataDir, envKey: io.env[SIGNING_KEY_ENV] || undefined });
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
        const out: ExportedCheckpoint = { format: CHECKPOINT_FORMAT, version: 1, org_id: cp.org_id, org_name: org.name, seq: cp.seq, hash: cp.hash, ts: cp.ts, key_id: cp.key_id, algorithm: 'ed25519', public_key: pub, signature: cp.signature };
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
