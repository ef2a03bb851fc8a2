import type { ReactNode } from 'react';
import { orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatTime } from '../lib/format.ts';
import { Link, useParams } from '../lib/router.tsx';
import { useOrg } from '../lib/session.tsx';
import { useQuery } from '../lib/use-query.ts';
import { Async, Card, Json, PageHeader, RiskBadge, VerdictBadge } from '../ui/index.ts';
import { StatusBadge, type LiveCall } from './activity.tsx';

interface CallRecord extends LiveCall {
  finished_at: string;
  agent_id: string | null;
  arguments: unknown;
  session_id: string | null;
  protocol: string | null;
  decision: unknown;
  client: unknown;
}

interface AuditEvent {
  seq: number;
  id: string;
  ts: string;
  kind: string;
  hash: string;
  prev_hash: string;
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-2 py-1.5 text-sm">
      <dt className="text-slate-500">{label}</dt>
      <dd className="col-span-2 min-w-0 break-words">{children}</dd>
    </div>
  );
}

/** One call's full record: who, what, why it was decided so, and its place in the hash chain. */
export default function CallPage() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const { id } = useParams();
  const q = useQuery<{ call: CallRecord; event: AuditEvent | null }>(orgPath(org.id, `/history/${encodeURIComponent(id ?? '')}`));
  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/activity" className="text-indigo-600 hover:underline dark:text-indigo-400">
          ← {t('call.back')}
        </Link>
      </p>
      <Async q={q}>
        {({ call: c, event }) => (
          <div className="space-y-4" data-testid="call-record">
            <PageHeader title={`${c.server} / ${c.tool}`} actions={<StatusBadge status={c.status} />}>
              <code className="text-xs">{c.call_id}</code>
            </PageHeader>
            <div className="grid gap-4 lg:grid-cols-2">
              <Card>
                <dl className="divide-y divide-slate-100 dark:divide-slate-800">
                  <Row label={t('call.agent')}>{c.agent ?? '—'}</Row>
                  <Row label={t('call.when')}>{formatTime(c.time, lang)}</Row>
                  <Row label={t('call.duration')}>{c.duration_ms} ms</Row>
                  <Row label={t('call.session')}>{c.session_id ? <code className="text-xs">{c.session_id}</code> : '—'}</Row>
                  <Row label={t('call.protocol')}>{c.protocol ?? '—'}</Row>
                  {c.error && <Row label={t('call.error')}><span className="text-red-700 dark:text-red-400">{c.error}</span></Row>}
                </dl>
              </Card>
              <Card>
                <dl className="divide-y divide-slate-100 dark:divide-slate-800">
                  <Row label={t('call.verdict')}>{c.verdict ? <VerdictBadge verdict={c.verdict} /> : '—'}</Row>
                  <Row label={t('call.risk')}><RiskBadge risk={c.risk} /></Row>
                  <Row label={t('call.reasons')}>{c.reasons.length ? c.reasons.map((r) => <code key={r} className="mr-1 rounded bg-slate-100 px-1 text-xs dark:bg-slate-800">{r}</code>) : '—'}</Row>
                  <Row label={t('call.policy')}>{c.policy ?? '—'}</Row>
                  <Row label={t('call.approver')}>{c.approver ?? '—'}</Row>
                </dl>
              </Card>
            </div>
            <Card title={t('call.arguments')}>
              <Json value={c.arguments} />
            </Card>
            <Card title={t('call.decision')}>
              <Json value={c.decision} />
            </Card>
            {event && (
              <Card title={t('call.event')}>
                <dl className="divide-y divide-slate-100 dark:divide-slate-800">
                  <Row label={t('call.seq')}>{event.seq} · {event.kind}</Row>
                  <Row label={t('call.hash')}><code className="break-all text-xs">{event.hash}</code></Row>
                  <Row label={t('call.prevHash')}><code className="break-all text-xs">{event.prev_hash}</code></Row>
                </dl>
              </Card>
            )}
          </div>
        )}
      </Async>
    </>
  );
}
