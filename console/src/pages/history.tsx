import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, downloadUrl, orgPath, type ApiError } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { can } from '../lib/roles.ts';
import { navigate, useQueryParams } from '../lib/router.tsx';
import { useOrg } from '../lib/session.tsx';
import { Button, EmptyState, ErrorState, Loading, PageHeader, Select, Table, TextInput } from '../ui/index.ts';
import { callColumns, type LiveCall } from './activity.tsx';
import { AuditLog, ChainStatus } from './audit-log.tsx';

const FIELDS = ['agent', 'server', 'tool', 'status', 'verdict', 'minRisk', 'since', 'until', 'text'] as const;
type Filters = Partial<Record<(typeof FIELDS)[number], string>>;

/** Search with filters kept in the address (shareable), cursor paging, CSV/JSONL export of everything that matches. */
function Commands() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const params = useQueryParams();
  const applied: Filters = Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? '']).filter(([, v]) => v));
  const [form, setForm] = useState<Filters>(applied);
  const [rows, setRows] = useState<LiveCall[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(false);
  const key = JSON.stringify(applied);

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      setError(undefined);
      try {
        const r = await api.get<{ calls: LiveCall[]; nextCursor: string | null }>(orgPath(org.id, '/history'), { ...JSON.parse(key), limit: 50, ...(after ? { cursor: after } : {}) });
        setRows((old) => (after ? [...(old ?? []), ...r.calls] : r.calls));
        setCursor(r.nextCursor);
      } catch (e) {
        setError(e as ApiError);
      } finally {
        setLoading(false);
      }
    },
    [org.id, key],
  );
  useEffect(() => {
    setForm(JSON.parse(key) as Filters);
    void load(null);
  }, [key, load]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) if (v) p.set(k, v);
    navigate(`/history${p.size ? `?${p}` : ''}`);
  }
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const invalid = (f: string) => (error?.code === 'invalid_params' && error.message.includes(f) ? error.message : undefined);

  return (
    <div className="space-y-4">
      <form onSubmit={submit} className="grid grid-cols-2 gap-3 rounded-lg bg-white p-4 ring-1 ring-slate-200 sm:grid-cols-3 lg:grid-cols-5 dark:bg-slate-900 dark:ring-slate-800">
        <TextInput label={t('history.agent')} value={form.agent ?? ''} onChange={set('agent')} />
        <TextInput label={t('history.server')} value={form.server ?? ''} onChange={set('server')} />
        <TextInput label={t('history.tool')} value={form.tool ?? ''} onChange={set('tool')} />
        <Select label={t('history.status')} value={form.status ?? ''} onChange={set('status')}>
          <option value="">{t('history.any')}</option>
          {['ok', 'error', 'denied'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </Select>
        <Select label={t('history.verdict')} value={form.verdict ?? ''} onChange={set('verdict')}>
          <option value="">{t('history.any')}</option>
          {['allow', 'approve', 'block'].map((s) => (
            <option key={s} value={s}>
              {t(`common.verdict_${s}`)}
            </option>
          ))}
        </Select>
        <TextInput label={t('history.minRisk')} type="number" min={0} max={100} value={form.minRisk ?? ''} error={invalid('minRisk')} onChange={set('minRisk')} />
        <TextInput label={t('history.since')} placeholder="24h" hint={t('history.sinceHint')} value={form.since ?? ''} error={invalid('since')} onChange={set('since')} />
        <TextInput label={t('history.until')} value={form.until ?? ''} error={invalid('until')} onChange={set('until')} />
        <div className="col-span-2">
          <TextInput label={t('history.text')} value={form.text ?? ''} onChange={set('text')} />
        </div>
        <div className="col-span-2 flex flex-wrap items-end gap-2 sm:col-span-3 lg:col-span-5">
          <Button type="submit" variant="primary">
            {t('history.search')}
          </Button>
          <Button onClick={() => navigate('/history')}>{t('history.clear')}</Button>
          <span className="ml-auto flex items-center gap-2 text-sm">
            {t('history.export')}:
            {(['csv', 'jsonl'] as const).map((f) => (
              <a key={f} data-testid={`export-${f}`} className="rounded-md px-2 py-1 font-medium ring-1 ring-slate-300 hover:bg-slate-50 dark:ring-slate-700 dark:hover:bg-slate-800" href={downloadUrl(orgPath(org.id, '/history/export'), { ...applied, format: f })}>
                {f.toUpperCase()}
              </a>
            ))}
          </span>
        </div>
      </form>
      {error && !invalid('since') && !invalid('until') && !invalid('minRisk') && <ErrorState error={error} onRetry={() => void load(null)} />}
      {!rows && loading && <Loading />}
      {rows && rows.length === 0 && <EmptyState title={t('history.noCalls')} />}
      {rows && rows.length > 0 && (
        <div data-testid="history">
          <Table rows={rows} rowKey={(c) => c.call_id} onRowClick={(c) => navigate(`/calls/${encodeURIComponent(c.call_id)}`)} columns={callColumns(t, lang)} />
          {cursor && (
            <div className="mt-3 text-center">
              <Button pending={loading} onClick={() => void load(cursor)}>
                {t('history.loadMore')}
              </Button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

export default function History() {
  const { t } = useI18n();
  const org = useOrg();
  const params = useQueryParams();
  const tab = params.get('tab') === 'audit' ? 'audit' : 'commands';
  const mayAudit = can(org.role, 'audit.read');
  return (
    <>
      <PageHeader title={t('history.title')} />
      {mayAudit && <ChainStatus orgId={org.id} />}
      <div role="tablist" className="my-4 flex gap-1 rounded-lg bg-slate-100 p-1 text-sm dark:bg-slate-900">
        {(['commands', 'audit'] as const).map((k) => (
          <button key={k} role="tab" aria-selected={tab === k} onClick={() => navigate(k === 'audit' ? '/history?tab=audit' : '/history')} className={`flex-1 rounded-md px-3 py-1.5 ${tab === k ? 'bg-white font-medium shadow-sm dark:bg-slate-800' : 'text-slate-600 dark:text-slate-400'}`}>
            {t(`history.${k}`)}
          </button>
        ))}
      </div>
      {tab === 'commands' ? <Commands /> : mayAudit ? <AuditLog orgId={org.id} /> : <EmptyState title={t('history.auditForbidden')} />}
    </>
  );
}
