/**
 * Names the resources a call touches (hosts, clusters and namespaces, databases and
 * tables, cloud resources, repositories and branches, paths, URLs) as structured data
 * stored with the call, for the infrastructure map and blast radius.
 */
import type { CmdView } from '../rules.match.ts';
import type { ShieldTarget } from '../types.ts';
import { normalizePath, looksLikePath } from './paths.ts';
import type { SqlFact } from './sql.ts';
import { parseUrl } from './urls.ts';

const FILE_PROGRAMS = new Set(['rm', 'cp', 'mv', 'chmod', 'chown', 'chgrp', 'cat', 'tee', 'touch', 'mkdir', 'rmdir', 'shred', 'truncate', 'ln', 'tar', 'zip', 'unlink', 'less', 'head', 'tail', 'vi', 'vim', 'nano', 'sed', 'ls', '@write', 'find', 'dd', 'install', 'rsync', 'scp']);
const K8S_VERBS_WITH_KIND = new Set(['delete', 'get', 'describe', 'edit', 'patch', 'scale', 'label', 'annotate', 'rollout', 'logs', 'exec', 'drain', 'cordon', 'uncordon', 'taint', 'expose', 'set', 'autoscale', 'replace']);

export class TargetSink {
  private readonly seen = new Set<string>();
  readonly list: ShieldTarget[] = [];

  add(t: ShieldTarget): void {
    if (!t.value || this.list.length >= 64) return;
    const key = t.kind + '\0' + t.value;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(t);
  }
}

function opt(v: CmdView, ...names: string[]): string | undefined {
  for (const n of names) {
    const val = v.parsed.options.get(n)?.[0];
    if (val) return val;
  }
  return undefined;
}

export function cmdTargets(v: CmdView, sink: TargetSink): void {
  const { cmd } = v;
  const pos = v.parsed.positionals;
  if (cmd.remote) sink.add({ kind: 'host', value: cmd.remote });
  switch (cmd.program) {
    case 'kubectl':
    case 'oc': {
      const context = opt(v, '--context');
      const namespace = opt(v, '-n', '--namespace');
      const verb = pos[0];
      let resource: string | undefined;
      let name: string | undefined;
      if (verb && K8S_VERBS_WITH_KIND.has(verb)) {
        const i = verb === 'rollout' || verb === 'set' ? 2 : 1;
        resource = pos[i];
        name = pos[i + 1];
        if (verb === 'drain' || verb === 'cordon' || verb === 'uncordon') [resource, name] = ['node', pos[1]];
        if (verb === 'logs' || verb === 'exec') [resource, name] = ['pod', pos[1]];
      }
      sink.add({ kind: 'k8s', value: [context ?? '', namespace ?? '', resource ?? '', name ?? ''].join('/').replace(/\/+$/, ''), ...(context ? { context } : {}), ...(namespace ? { namespace } : {}), ...(resource ? { resource } : {}), ...(name ? { name } : {}) });
      break;
    }
    case 'helm': {
      const context = opt(v, '--kube-context');
      const namespace = opt(v, '-n', '--namespace');
      if (pos[1]) sink.add({ kind: 'k8s', value: [context ?? '', namespace ?? '', 'helmrelease', pos[1]].join('/'), resource: 'helmrelease', name: pos[1], ...(namespace ? { namespace } : {}), ...(context ? { context } : {}) });
      break;
    }
    case 'git': {
      if (pos[0] === 'clone' && pos[1]) sink.add({ kind: 'repo', value: pos[1] });
      if (pos[0] === 'push') {
        const remote = pos[1];
        if (remote) sink.add({ kind: 'repo', value: remote });
        for (const ref of pos.slice(2)) sink.add({ kind: 'branch', value: ref.replace(/^\+/, '').replace(/^.*:/, '').replace(/^refs\/heads\//, '') || ref, ...(remote ? { remote } : {}) });
      }
      break;
    }
    case 'ssh':
      if (pos[0]) sink.add({ kind: 'host', value: pos[0].replace(/^[^@]*@/, '') });
      break;
    case 'scp':
    case 'rsync':
      for (const p of pos) {
        const m = /^(?:[^@/]+@)?([A-Za-z0-9.-]+):/.exec(p);
        if (m) sink.add({ kind: 'host', value: m[1]! });
      }
      break;
    case 'psql':
    case 'mysql':
    case 'mariadb':
      for (const o of ['-h', '--host']) { const h = opt(v, o); if (h) sink.add({ kind: 'host', value: h }); }
      for (const o of ['-d', '--dbname', '-D', '--database']) { const d = opt(v, o); if (d) sink.add({ kind: 'database', value: d }); }
      break;
    case 'aws': {
      const ids: string[] = [];
      for (const [name, values] of v.parsed.options) if (/(-ids?|-name|-identifier|^--bucket|^--key-id|-arn)$/.test(name)) ids.push(...values);
      for (const p of pos) if (p.startsWith('s3://')) ids.push(p);
      sink.add({ kind: 'cloud', provider: 'aws', service: pos[0] ?? '', action: pos[1] ?? '', value: ids.join(',') || [pos[0], pos[1]].filter(Boolean).join(' '), ...(opt(v, '--profile') ? { profile: opt(v, '--profile') } : {}), ...(opt(v, '--region') ? { region: opt(v, '--region') } : {}) });
      break;
    }
    case 'gcloud':
    case 'gsutil':
    case 'az': {
      const provider = cmd.program === 'az' ? 'azure' : 'gcp';
      const project = opt(v, '--project', '--subscription', '-g', '--resource-group');
      const verbAt = pos.findIndex((p) => /^(delete|create|update|rm|rb|stop|start|deploy|set-iam-policy|add-iam-policy-binding|show|describe|list|access|ssh)$/.test(p));
      const name = verbAt >= 0 ? pos[verbAt + 1] : undefined;
      sink.add({ kind: 'cloud', provider, value: name ?? (pos.find((p) => p.startsWith('gs://')) ?? pos.slice(0, 3).join(' ')), service: pos[0] ?? '', ...(project ? { project } : {}) });
      break;
    }
    case 'terraform':
    case 'pulumi':
    case 'tofu': {
      const scope = opt(v, '-chdir', '--stack', '-s', '--cwd') ?? v.cmd.envValues.find((e) => e.startsWith('TF_WORKSPACE='))?.slice(13);
      sink.add({ kind: 'cloud', provider: cmd.program, value: [pos[0], scope].filter(Boolean).join(' '), ...(opt(v, '-target') ? { target: opt(v, '-target') } : {}) });
      break;
    }
    case 'docker':
    case 'podman':
      if (pos[0] && /^(rm|stop|kill|restart|exec|logs|start|pause|inspect)$/.test(pos[0]) && pos[1]) sink.add({ kind: 'container', value: pos[1] });
      break;
    case 'systemctl':
    case 'service':
      if (pos.length > 1) for (const u of pos.slice(cmd.program === 'service' ? 0 : 1, cmd.program === 'service' ? 1 : undefined)) sink.add({ kind: 'service', value: u });
      break;
  }
  const bare = !!v.spec?.url_args;
  for (const w of [...pos, ...v.parsed.optionValues]) {
    const u = parseUrl(w, bare && pos.includes(w));
    if (u && u.scheme !== 'file') {
      sink.add({ kind: 'url', value: u.url.slice(0, 500) });
      if (u.host) sink.add({ kind: 'host', value: u.host });
    }
  }
  if (FILE_PROGRAMS.has(cmd.program) || cmd.origin === 'tool') {
    for (const p of pos) if (looksLikePath(p) && !p.includes('://')) sink.add({ kind: 'path', value: normalizePath(p)[0] ?? p });
  }
  for (const r of cmd.redirects) if (!r.target.startsWith('/dev/') && looksLikePath(r.target)) sink.add({ kind: 'path', value: normalizePath(r.target)[0] ?? r.target, op: r.dir === 'out' ? 'write' : 'read' });
}

export function sqlTargets(facts: SqlFact[], context: string[], sink: TargetSink): void {
  for (const c of context) {
    if (c.startsWith('host:')) {
      sink.add({ kind: 'host', value: c.slice(5) });
      continue;
    }
    const u = /^[a-z]+:\/\/(?:[^@/]*@)?([^/:?]+)(?::\d+)?\/([^?]+)/i.exec(c);
    if (u) {
      sink.add({ kind: 'host', value: u[1]! });
      sink.add({ kind: 'database', value: u[2]! });
    } else if (c) sink.add({ kind: 'database', value: c });
  }
  for (const f of facts) {
    const kind = f.stmt === 'drop' && (f.object === 'database' || f.object === 'schema') ? (f.object === 'database' ? 'database' : 'schema') : 'table';
    for (const t of f.tables) sink.add({ kind, value: t, ...(kind === 'table' ? { op: f.stmt } : {}) });
  }
}
