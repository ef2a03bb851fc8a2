import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from './args.ts';
import { print } from './args.ts';
import { resolveConfig, openConfiguredStore } from './context.ts';
import { FlowLinkError } from '../lib/errors.ts';
import { parseStandards, type ReportFormat } from '../compliance/compliance.service.ts';
import { summarize } from '../compliance/render/json.ts';
import { openServices, resolveOrg } from '../compliance/cli-context.ts';
import type { Lang } from '../compliance/compliance.types.ts';

const USAGE = `Usage:
  flowlink report compliance [--standard soc2|owasp-mcp|gost-57580|fstec|all] [--format html|pdf|json]
                             [--lang ru|en] [--org NAME|ID] [--out FILE] [--json]
      evaluates the org's state now (2FA, audit chain and checkpoints, Shield, policies, agents,
      API keys, secrets, retention, SIEM, approvals, rate limits) against the standards' controls
      and writes the report (html and json to standard output unless --out; pdf needs --out).
      --json prints the scores as JSON. Exit 0 when written, 1 on failure, 2 on bad usage.
Common: [--config FILE] [--data DIR]. PDF needs Chromium at /usr/bin/chromium (or FLOWLINK_CHROMIUM).`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'Compliance reports (SOC 2, OWASP MCP Top 10, GOST R 57580, FSTEC) in HTML, PDF or JSON',
  usage: USAGE,
  options: {
    config: { type: 'string', short: 'c' },
    data: { type: 'string' },
    standard: { type: 'string' },
    format: { type: 'string' },
    lang: { type: 'string' },
    org: { type: 'string' },
    out: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    if (positionals[0] !== 'compliance' || positionals.length > 1) throw new FlowLinkError('invalid_params', `unknown or missing report "${(positionals[0] ?? '').slice(0, 40)}"\n\n${USAGE}`);
    const format = (values.format ?? 'html') as string;
    if (!['html', 'pdf', 'json'].includes(format)) throw new FlowLinkError('invalid_params', `--format must be html, pdf or json (got "${format.slice(0, 20)}")`);
    const lang = (values.lang ?? 'en') as string;
    if (lang !== 'ru' && lang !== 'en') throw new FlowLinkError('invalid_params', `--lang must be ru or en (got "${lang.slice(0, 20)}")`);
    const standards = parseStandards(values.standard as string | undefined);
    if (format === 'pdf' && !values.out) throw new FlowLinkError('invalid_params', '--format pdf needs --out FILE');
    const loaded = resolveConfig(io, values.config as string | undefined, true);
    const store = await openConfiguredStore(io, loaded, values.data as string | undefined);
    try {
      const org = await resolveOrg(store, values.org as string | undefined);
      const svc = await openServices(store, loaded.config, loaded.baseDir);
      try {
        io.stderr.write(`evaluating ${standards.join(', ')} for org ${org.name} (verifying the audit chain)…\n`);
        const report = await svc.compliance.report(org.id, standards);
        if (format === 'pdf') io.stderr.write('rendering PDF with Chromium…\n');
        const out = await svc.compliance.render(report, format as ReportFormat, lang as Lang);
        await svc.compliance.recordGenerated(report, format as ReportFormat, lang as Lang, 'cli', { type: 'user', id: 'cli' });
        if (values.out) {
          const file = resolve(io.cwd, values.out as string);
          writeFileSync(file, out.body, { mode: 0o640 });
          io.stderr.write(`report written to ${file}\n`);
        } else if (!values.json) io.stdout.write(out.body);
        if (values.json) print(io, JSON.stringify(summarize(report), null, 2));
        else if (values.out) for (const s of report.standards) print(io, `${s.id.padEnd(11)} ${s.score === null ? '—' : `${s.score}%`}  pass ${s.counts.pass}, partial ${s.counts.partial}, fail ${s.counts.fail}, n/a ${s.counts.not_applicable}`);
        return 0;
      } finally {
        await svc.close();
      }
    } finally {
      await store.close();
    }
  },
};
