import { useCallback, useEffect, useRef, useState } from 'react';
import { api, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatTime } from '../lib/format.ts';
import { navigate } from '../lib/router.tsx';
import { useOrg } from '../lib/session.tsx';
import { useStream } from '../lib/use-stream.ts';
import { Badge, Button, EmptyState, ErrorState, Loading, PageHeader, RiskBadge, Table, VerdictBadge, inputClass } from '../ui/index.ts';
import type { ApiError } from '../api.ts';

/** One call as the live stream sends it (src/audit/live.ts LiveCall); history rows have the same fields. */
export interface LiveCall {
  seq?: number;
  audit_seq?: number;
  call_id: string;
  time: string;
  agent: string | null;
  server: string;
  tool: string;
  status: string;
  verdict: string | null;
  risk: number | null;
  reasons: string[];
  policy: string | null;
  approver: string | null;
  duration_ms: number;
  error: string | null;
}

const MAX = 300;

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={status === 'ok' ? 'green' : status === 'denied' ? 'red' : status === 'error' ? 'amber' : 'slate'}>{status}</Badge>;
}

export function callColumns(t: (k: string, v?: Record<string, string | number>) => string, lang: 'en' | 'ru') {
  return [
    { key: 'time', header: t('activity.time'), cell: (c: LiveCall) => <span className="whitespace-nowrap text-xs tabular-nums">{formatTime(c.time, lang)}</span> },
    { key: 'agent', header: t('activity.agent'), cell: (c: LiveCall) => c.agent ?? '—' },
    { key: 'call', header: t('activity.call'), cell: (c: LiveCall) => <span className="font-mono text-xs">{c.server}/{c.tool}</span> },
    { key: 'status', header: t('activity.status'), cell: (c: LiveCall) => <StatusBadge status={c.status} /> },
    { key: 'verdict', header: t('activity.verdict'), cell: (c: LiveCall) => (c.verdict ? <VerdictBadge verdict={c.verdict} /> : '—') },
    { key: 'risk', header: t('activity.risk'), cell: (c: LiveCall) => <RiskBadge risk={c.risk} /> },
    { key: 'reasons', header: t('activity.reasons'), cell: (c: LiveCall) => <span className="line-clamp-2 max-w-xs text-xs">{[...c.reasons, c.policy].filter(Boolean).join(', ') || (c.error ?? '')}</span> },
  ];
}

export default function Activity() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const [calls, setCalls] = useState<LiveCall[]>();
  const [error, setError] = useState<ApiError>();
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState<LiveCall[]>([]);
  const [filter, setFilter] = useState('');
  const [ended, setEnded] = useState<string>();
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  // The newest calls first, then the stream adds what happens from now on.
  const load = useCallback(() => {
    setError(undefined);
    api
      .get<{ calls: LiveCall[] }>(orgPath(org.id, '/history'), { limit: 50 })
      .then((r) => setCalls((old) => merge(old ?? [], r.calls)))
      .catch((e: ApiError) => setError(e));
  }, [org.id]);
  useEffect(load, [load]);

  const onEvent = useCallback((name: string, data: unknown) => {
    if (name === 'end') return setEnded((data as { reason?: string }).reason ?? '');
    const c = data as LiveCall;
    if (pausedRef.current) setHeld((h) => [c, ...h].slice(0, MAX));
    else setCalls((old) => merge(old ?? [], [c]));
  }, []);
  const status = useStream(orgPath(org.id, '/activity/stream'), ['call', 'end'], onEvent);

  const f = filter.trim().toLowerCase();
  const shown = (calls ?? []).filter((c) => !f || [c.agent, c.server, c.tool, c.verdict, c.status, c.policy, ...c.reasons].some((x) => x?.toLowerCase().includes(f)));

  return (
    <>
      <PageHeader
        title={t('activity.title')}
        actions={
          <>
            <Badge tone={status === 'open' ? 'green' : 'amber'}>{status === 'open' ? t('common.live') : t('common.offline')}</Badge>
            <Button
              onClick={() => {
                if (paused) setCalls((old) => merge(old ?? [], held));
                setHeld([]);
                setPaused(!paused);
              }}
            >
              {paused ? t('activity.resume') : t('activity.pause')}
            </Button>
          </>
        }
      >
        {t('activity.subtitle')}
      </PageHeader>
      <div className="mb-3 flex flex-wrap items-center gap-3">
        <input aria-label={t('activity.filter')} placeholder={t('activity.filterPlaceholder')} className={`${inputClass} max-w-sm`} value={filter} onChange={(e) => setFilter(e.target.value)} />
        {paused && held.length > 0 && <Badge tone="amber">{t('activity.paused', { n: held.length })}</Badge>}
      </div>
      {ended && <p className="mb-3 text-sm text-amber-700">{t('activity.ended', { reason: ended })}</p>}
      {error && !calls ? (
        <ErrorState error={error} onRetry={load} />
      ) : !calls ? (
        <Loading />
      ) : shown.length === 0 ? (
        <EmptyState title={t('activity.waiting')} />
      ) : (
        <div data-testid="activity">
          <Table rows={shown} rowKey={(c) => c.call_id} label={t('activity.title')} onRowClick={(c) => navigate(`/calls/${encodeURIComponent(c.call_id)}`)} columns={callColumns(t, lang)} />
        </div>
      )}
    </>
  );
}

/** Newest first, each call once, at most MAX. */
function merge(old: LiveCall[], add: LiveCall[]): LiveCall[] {
  const seen = new Set<string>();
  const seqOf = (c: LiveCall) => c.seq ?? c.audit_seq ?? 0;
  return [...add, ...old]
    .filter((c) => (seen.has(c.call_id) ? false : (seen.add(c.call_id), true)))
    .sort((a, b) => seqOf(b) - seqOf(a))
    .slice(0, MAX);
}
