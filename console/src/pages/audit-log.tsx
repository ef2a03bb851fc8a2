import { Fragment, useState, type FormEvent } from 'react';
import { api, downloadUrl, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatTime } from '../lib/format.ts';
import { useQuery } from '../lib/use-query.ts';
import { Async, Badge, Button, Card, Json, Select, TextInput } from '../ui/index.ts';

interface Chain {
  intact: boolean;
  broken_at: number | null;
  problems: { seq: number; kind: string; message: string }[];
  more_problems: boolean;
  from_seq: number;
  last_seq: number;
  records: number;
  begins_at: number;
  checkpoints_checked: number;
  checkpoint: { seq: number; hash: string; ts: string; key_id: string } | null;
}

interface AuditEvent {
  seq: number;
  id: string;
  ts: string;
  kind: string;
  code: string;
  severity: string;
  actor_type: string;
  actor_id: string | null;
  outcome: string;
  data: unknown;
  hash: string;
}

/** The chain's verification status and the last signed checkpoint. */
export function ChainStatus({ orgId }: { orgId: string }) {
  const { t, lang } = useI18n();
  const q = useQuery<Chain>(orgPath(orgId, '/audit/chain'));
  const [signing, setSigning] = useState(false);
  return (
    <Card title={t('history.chain')} actions={q.data && <Badge tone={q.data.intact ? 'green' : 'red'}>{q.data.intact ? t('history.intact') : t('history.broken', { seq: q.data.broken_at ?? '?' })}</Badge>}>
      <Async q={q}>
        {(c) => (
          <div className="space-y-2 text-sm" data-testid="chain-status" data-intact={c.intact}>
            <p>{t('history.checked', { n: c.records, from: c.from_seq, last: c.last_seq, cp: c.checkpoints_checked })}</p>
            <p>{c.checkpoint ? t('history.checkpoint', { seq: c.checkpoint.seq, ts: formatTime(c.checkpoint.ts, lang), key: c.checkpoint.key_id }) : t('history.noCheckpoint')}</p>
            {c.problems.length > 0 && (
              <ul className="list-inside list-disc text-red-700 dark:text-red-400">
                {c.problems.map((p) => (
                  <li key={`${p.seq}-${p.kind}`}>
                    #{p.seq} {p.kind}: {p.message}
                  </li>
                ))}
              </ul>
            )}
            <div className="flex flex-wrap gap-2 pt-1">
              {c.checkpoint && (
                <a className="rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-50 dark:ring-slate-700 dark:hover:bg-slate-800" href={downloadUrl(orgPath(orgId, '/audit/checkpoint'))}>
                  {t('history.downloadCheckpoint')}
                </a>
              )}
              <Button
                pending={signing}
                onClick={async () => {
                  setSigning(true);
                  try {
                    await api.post(orgPath(orgId, '/audit/checkpoint'));
                  } finally {
                    setSigning(false);
                    q.reload();
                  }
                }}
              >
                {t('history.signNow')}
              </Button>
            </div>
          </div>
        )}
      </Async>
    </Card>
  );
}

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];

export function AuditLog({ orgId }: { orgId: string }) {
  const { t, lang } = useI18n();
  const [form, setForm] = useState({ kind: '', severity: '', outcome: '', since: '' });
  const [applied, setApplied] = useState(form);
  const [open, setOpen] = useState<number>();
  const q = useQuery<{ events: AuditEvent[]; nextCursor: string | null }>(orgPath(orgId, '/audit/events'), { ...applied, limit: 100 });
  const submit = (e: FormEvent) => (e.preventDefault(), setApplied(form));
  const bad = q.error?.code === 'invalid_params' ? q.error.message : undefined;
  return (
    <div className="space-y-4">
      <form onSubmit={submit} className="grid grid-cols-2 gap-3 rounded-lg bg-white p-4 ring-1 ring-slate-200 sm:grid-cols-5 dark:bg-slate-900 dark:ring-slate-800">
        <TextInput label={t('history.kind')} placeholder="approval.approved" value={form.kind} error={bad && /kind/.test(bad) ? bad : undefined} onChange={(e) => setForm({ ...form, kind: e.target.value })} />
        <Select label={t('history.severity')} value={form.severity} onChange={(e) => setForm({ ...form, severity: e.target.value })}>
          <option value="">{t('history.any')}</option>
          {SEVERITIES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </Select>
        <Select label={t('history.outcome')} value={form.outcome} onChange={(e) => setForm({ ...form, outcome: e.target.value })}>
          <option value="">{t('history.any')}</option>
          {['success', 'failure', 'denied'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </Select>
        <TextInput label={t('history.since')} placeholder="24h" value={form.since} error={bad && /since/.test(bad) ? bad : undefined} onChange={(e) => setForm({ ...form, since: e.target.value })} />
        <div className="flex items-end">
          <Button type="submit" variant="primary">
            {t('history.search')}
          </Button>
        </div>
      </form>
      <Async q={q} empty={(d) => d.events.length === 0}>
        {(d) => (
          <div className="overflow-x-auto rounded-lg ring-1 ring-slate-200 dark:ring-slate-800" data-testid="audit-events">
            <table className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
              <thead className="bg-slate-50 dark:bg-slate-900">
                <tr>
                  {[t('history.seq'), t('history.time'), t('history.kind'), t('history.severity'), t('history.actor'), t('history.outcome')].map((h) => (
                    <th key={h} className="px-3 py-2 text-left font-medium text-slate-600 dark:text-slate-400">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {d.events.map((e) => (
                  <Fragment key={e.seq}>
                    <tr className="cursor-pointer hover:bg-slate-50 dark:hover:bg-slate-900" onClick={() => setOpen(open === e.seq ? undefined : e.seq)} aria-expanded={open === e.seq}>
                      <td className="px-3 py-2 tabular-nums">{e.seq}</td>
                      <td className="whitespace-nowrap px-3 py-2 text-xs">{formatTime(e.ts, lang)}</td>
                      <td className="px-3 py-2 font-mono text-xs">{e.kind}</td>
                      <td className="px-3 py-2">
                        <Badge tone={e.severity === 'critical' || e.severity === 'high' ? 'red' : e.severity === 'medium' ? 'amber' : 'slate'}>{e.severity}</Badge>
                      </td>
                      <td className="px-3 py-2 text-xs">
                        {e.actor_type}
                        {e.actor_id ? `:${e.actor_id}` : ''}
                      </td>
                      <td className="px-3 py-2">
                        <Badge tone={e.outcome === 'success' ? 'green' : 'red'}>{e.outcome}</Badge>
                      </td>
                    </tr>
                    {open === e.seq && (
                      <tr>
                        <td colSpan={6} className="bg-slate-50 px-3 py-2 dark:bg-slate-950">
                          <Json value={e.data} />
                          <p className="mt-1 break-all text-xs text-slate-500">
                            {e.code} · {e.id} · <code>{e.hash}</code>
                          </p>
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </div>
  );
}
