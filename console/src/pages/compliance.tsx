import { useState } from 'react';
import { downloadUrl, orgPath } from '../api.ts';
import { useI18n, type Lang } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { can } from '../lib/roles.ts';
import { useQuery } from '../lib/use-query.ts';
import { formatTime } from '../lib/format.ts';
import { Badge, Button, Card, PageHeader, Table } from '../ui/index.ts';
import { AsyncOrMissing } from '../ui/Unavailable.tsx';
import { Snapshots } from './compliance-snapshots.tsx';

type Text = { ru: string; en: string };
type Status = 'pass' | 'fail' | 'partial' | 'not_applicable';

interface Control {
  id: string;
  title: Text;
  note?: Text;
  status: Status;
  score: number | null;
  checks: string[];
}

interface Standard {
  id: string;
  title: Text;
  source: Text;
  score: number | null;
  counts: Record<Status, number>;
  controls: Control[];
}

interface Check {
  id: string;
  status: Status;
  title: Text;
  summary: Text;
  evidence: Record<string, unknown>;
  remediation: Text;
}

interface Report {
  generated_at: string;
  checkpoint: { seq: number; ts: string } | null;
  standards: Standard[];
  checks: Record<string, Check>;
}

const STATUS_TONE: Record<Status, 'green' | 'red' | 'amber' | 'slate'> = { pass: 'green', fail: 'red', partial: 'amber', not_applicable: 'slate' };
const tx = (x: Text | undefined, lang: Lang) => (x ? x[lang] || x.en : '');

function Evidence({ value }: { value: Record<string, unknown> }) {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (!entries.length) return null;
  return (
    <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 text-xs">
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-500">{k}</dt>
          <dd className="break-all">{Array.isArray(v) ? v.join(', ') || '—' : v === null ? '—' : String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function StandardCard({ s, checks }: { s: Standard; checks: Record<string, Check> }) {
  const { t, lang } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <Card
      title={
        <span className="flex flex-wrap items-center gap-2">
          {tx(s.title, lang)}
          <Badge tone={s.score === null ? 'slate' : s.score >= 80 ? 'green' : s.score >= 50 ? 'amber' : 'red'}>
            <span data-testid={`score-${s.id}`}>{s.score === null ? '—' : `${s.score}%`}</span>
          </Badge>
        </span>
      }
      actions={
        <Button variant="ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
          {t(open ? 'compliance.hideControls' : 'compliance.showControls')}
        </Button>
      }
    >
      <p className="text-xs text-slate-500">{tx(s.source, lang)}</p>
      <div className="mt-2 flex flex-wrap gap-1">
        {(['pass', 'partial', 'fail', 'not_applicable'] as const).map((k) => (
          <Badge key={k} tone={STATUS_TONE[k]}>
            {t(`compliance.status_${k}`)}: {s.counts[k] ?? 0}
          </Badge>
        ))}
      </div>
      {open && (
        <div className="mt-3">
          <Table
            label={tx(s.title, lang)}
            rows={s.controls}
            rowKey={(c) => c.id}
            columns={[
              { key: 'id', header: t('compliance.control'), cell: (c) => <div><code className="text-xs">{c.id}</code><p>{tx(c.title, lang)}</p>{c.note && <p className="text-xs text-slate-500">{tx(c.note, lang)}</p>}</div> },
              { key: 'st', header: t('compliance.status'), cell: (c) => <Badge tone={STATUS_TONE[c.status]}>{t(`compliance.status_${c.status}`)}{c.score !== null ? ` · ${c.score}%` : ''}</Badge> },
              {
                key: 'ev',
                header: t('compliance.evidence'),
                cell: (c) => (
                  <ul className="space-y-2">
                    {c.checks.map((id) => {
                      const ch = checks[id];
                      if (!ch) return <li key={id}><code className="text-xs">{id}</code></li>;
                      return (
                        <li key={id}>
                          <div className="flex flex-wrap items-center gap-1">
                            <Badge tone={STATUS_TONE[ch.status]}>{t(`compliance.status_${ch.status}`)}</Badge>
                            <span className="font-medium">{tx(ch.title, lang)}</span>
                          </div>
                          <p className="text-xs">{tx(ch.summary, lang)}</p>
                          <Evidence value={ch.evidence} />
                          {ch.status !== 'pass' && tx(ch.remediation, lang) && <p className="mt-1 text-xs text-amber-800 dark:text-amber-200">{t('compliance.todo')}: {tx(ch.remediation, lang)}</p>}
                        </li>
                      );
                    })}
                  </ul>
                ),
              },
            ]}
          />
        </div>
      )}
    </Card>
  );
}

export default function CompliancePage() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const q = useQuery<Report>(orgPath(org.id, '/compliance/report'));
  const dl = (format: 'html' | 'pdf' | 'json') => downloadUrl(orgPath(org.id, '/compliance/report/download'), { format, lang });
  return (
    <>
      <PageHeader
        title={t('compliance.title')}
        actions={
          q.data && (
            <div className="flex flex-wrap gap-2">
              {(['html', 'pdf', 'json'] as const).map((f) => (
                <a key={f} href={dl(f)} download className="inline-flex min-h-9 items-center rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-inset ring-slate-300 hover:bg-slate-50 dark:ring-slate-600 dark:hover:bg-slate-800">
                  {t('compliance.download', { f: f.toUpperCase() })}
                </a>
              ))}
            </div>
          )
        }
      >
        {q.data ? t('compliance.generated', { when: formatTime(q.data.generated_at, lang), seq: q.data.checkpoint ? String(q.data.checkpoint.seq) : '—' }) : t('compliance.subtitle')}
      </PageHeader>
      <div className="space-y-6">
        <AsyncOrMissing q={q} what={t('compliance.title')} empty={(d) => d.standards.length === 0}>
          {(d) => (
            <div className="grid gap-4 lg:grid-cols-2" data-testid="compliance-standards">
              {d.standards.map((s) => (
                <StandardCard key={s.id} s={s} checks={d.checks} />
              ))}
            </div>
          )}
        </AsyncOrMissing>
        {can(org.role, 'snapshots.read') && <Snapshots />}
      </div>
    </>
  );
}
