import { useEffect, useState } from 'react';
import { orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatNumber } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { useOrg } from '../lib/session.tsx';
import { useQuery } from '../lib/use-query.ts';
import { Async, Badge, BarChart, Card, PageHeader, RiskBadge, Table } from '../ui/index.ts';

interface Overview {
  window: { since: string; until: string; bucket: string };
  counts: { calls: number; ok: number; errors: number; blocked: number; approvals: number; waitingApproval: number | null };
  series: { t: string; calls: number; blocked: number; errors: number }[];
  topAgents: { agent: string | null; agent_id: string | null; calls: number; blocked: number; max_risk: number | null; avg_risk: number | null }[];
  topTools: { server: string; tool: string; calls: number; blocked: number; max_risk: number | null; avg_risk: number | null }[];
  upstreams: { name: string; kind: string; state: string; restarts: number; inflight: number }[];
}

const WINDOWS = ['1h', '24h', '7d', '30d'];
const REFRESH_MS = 15_000;

function Stat({ label, value, tone, to, testId }: { label: string; value: string; tone?: string; to?: string; testId: string }) {
  const body = (
    <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800" data-testid={testId}>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className={`mt-1 text-2xl font-semibold tabular-nums ${tone ?? ''}`}>{value}</p>
    </div>
  );
  return to ? <Link to={to}>{body}</Link> : body;
}

export default function OverviewPage() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const [win, setWin] = useState(() => localStorage.getItem('fl.overview.window') ?? '24h');
  const q = useQuery<Overview>(orgPath(org.id, '/stats/overview'), { window: win, top: 5 });
  // Counts stay current without a reload.
  useEffect(() => {
    const id = setInterval(q.reload, REFRESH_MS);
    return () => clearInterval(id);
  }, [q.reload]);
  const fmtX = (iso: string) => {
    const d = new Date(iso);
    return win === '7d' || win === '30d' ? d.toLocaleDateString(lang, { day: '2-digit', month: '2-digit' }) : d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
  };
  return (
    <>
      <PageHeader
        title={t('overview.title')}
        actions={
          <div role="radiogroup" aria-label={t('overview.window')} className="flex gap-1 text-sm">
            {WINDOWS.map((w) => (
              <button key={w} role="radio" aria-checked={win === w} onClick={() => (setWin(w), localStorage.setItem('fl.overview.window', w))} className={`rounded-md px-2.5 py-1 ${win === w ? 'bg-indigo-600 text-white' : 'ring-1 ring-slate-300 dark:ring-slate-700'}`}>
                {w}
              </button>
            ))}
          </div>
        }
      />
      <Async q={q}>
        {(d) => (
          <div className="space-y-4">
            <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
              <Stat testId="stat-calls" label={t('overview.calls')} value={formatNumber(d.counts.calls, lang)} to="/activity" />
              <Stat testId="stat-blocked" label={t('overview.blocked')} value={formatNumber(d.counts.blocked, lang)} tone={d.counts.blocked ? 'text-red-600 dark:text-red-400' : ''} to="/history?verdict=block" />
              <Stat testId="stat-waiting" label={t('overview.waiting')} value={d.counts.waitingApproval === null ? '—' : formatNumber(d.counts.waitingApproval, lang)} tone={d.counts.waitingApproval ? 'text-amber-600 dark:text-amber-400' : ''} to="/approvals" />
              <Stat testId="stat-errors" label={t('overview.errors')} value={formatNumber(d.counts.errors, lang)} tone={d.counts.errors ? 'text-red-600 dark:text-red-400' : ''} to="/history?status=error" />
            </div>
            <Card title={t('overview.overTime')} actions={d.counts.approvals ? <Badge tone="amber">{t('overview.approvalsHeld', { n: d.counts.approvals })}</Badge> : undefined}>
              {d.counts.calls === 0 ? (
                <p className="text-sm text-slate-500">{t('overview.noCalls')}</p>
              ) : (
                <BarChart
                  label={t('overview.overTime')}
                  formatX={fmtX}
                  points={d.series.map((p) => ({ t: p.t, ok: Math.max(0, p.calls - p.blocked - p.errors), blocked: p.blocked, errors: p.errors }))}
                  series={[
                    { key: 'ok', label: t('overview.allowed'), className: 'fill-indigo-500' },
                    { key: 'blocked', label: t('overview.blocked'), className: 'fill-red-500' },
                    { key: 'errors', label: t('overview.errors'), className: 'fill-slate-400' },
                  ]}
                />
              )}
            </Card>
            <div className="grid gap-4 lg:grid-cols-2">
              <Card title={t('overview.topAgents')}>
                {d.topAgents.length === 0 ? (
                  <p className="text-sm text-slate-500">{t('overview.noCalls')}</p>
                ) : (
                  <Table
                    rows={d.topAgents}
                    rowKey={(r) => r.agent_id ?? r.agent ?? '?'}
                    columns={[
                      { key: 'a', header: t('overview.agent'), cell: (r) => <Link to={`/history?agent=${encodeURIComponent(r.agent ?? '')}`} className="text-indigo-600 hover:underline dark:text-indigo-400">{r.agent ?? '—'}</Link> },
                      { key: 'c', header: t('overview.calls'), cell: (r) => formatNumber(r.calls, lang), className: 'text-right tabular-nums' },
                      { key: 'b', header: t('overview.blocked'), cell: (r) => formatNumber(r.blocked, lang), className: 'text-right tabular-nums' },
                      { key: 'r', header: t('overview.maxRisk'), cell: (r) => <RiskBadge risk={r.max_risk} /> },
                    ]}
                  />
                )}
              </Card>
              <Card title={t('overview.topTools')}>
                {d.topTools.length === 0 ? (
                  <p className="text-sm text-slate-500">{t('overview.noCalls')}</p>
                ) : (
                  <Table
                    rows={d.topTools}
                    rowKey={(r) => `${r.server}/${r.tool}`}
                    columns={[
                      { key: 'tl', header: t('overview.tool'), cell: (r) => <Link to={`/history?server=${encodeURIComponent(r.server)}&tool=${encodeURIComponent(r.tool)}`} className="font-mono text-indigo-600 hover:underline dark:text-indigo-400">{r.server}/{r.tool}</Link> },
                      { key: 'c', header: t('overview.calls'), cell: (r) => formatNumber(r.calls, lang), className: 'text-right tabular-nums' },
                      { key: 'b', header: t('overview.blocked'), cell: (r) => formatNumber(r.blocked, lang), className: 'text-right tabular-nums' },
                      { key: 'r', header: t('overview.maxRisk'), cell: (r) => <RiskBadge risk={r.max_risk} /> },
                    ]}
                  />
                )}
              </Card>
            </div>
            <Card title={t('overview.upstreams')}>
              {d.upstreams.length === 0 ? (
                <p className="text-sm text-slate-500">{t('overview.noUpstreams')}</p>
              ) : (
                <Table
                  rows={d.upstreams}
                  rowKey={(r) => r.name}
                  columns={[
                    { key: 'n', header: t('overview.server'), cell: (r) => <span className="font-mono">{r.name}</span> },
                    { key: 's', header: t('overview.state'), cell: (r) => <Badge tone={r.state === 'ready' ? 'green' : r.state === 'starting' || r.state === 'idle' ? 'amber' : 'red'}>{r.state}</Badge> },
                    { key: 'k', header: '', cell: (r) => <span className="text-xs text-slate-500">{r.kind}</span> },
                    { key: 'r', header: t('overview.restarts'), cell: (r) => r.restarts, className: 'text-right tabular-nums' },
                    { key: 'i', header: t('overview.inflight'), cell: (r) => r.inflight, className: 'text-right tabular-nums' },
                  ]}
                />
              )}
            </Card>
          </div>
        )}
      </Async>
    </>
  );
}
