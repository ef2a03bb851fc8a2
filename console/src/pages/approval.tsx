import { useCallback, useState } from 'react';
import { api, orgPath, type Approval } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatTime, timeAgo } from '../lib/format.ts';
import { can } from '../lib/roles.ts';
import { Link, useParams } from '../lib/router.tsx';
import { useOrg } from '../lib/session.tsx';
import { useQuery } from '../lib/use-query.ts';
import { useStream } from '../lib/use-stream.ts';
import { APPROVALS_CHANGED } from '../lib/pending.ts';
import { Async, Badge, Button, Card, ConfirmButton, Dialog, EmptyState, Json, PageHeader, RiskBadge, TextArea } from '../ui/index.ts';
import { StateBadge } from './approvals-parts.tsx';

interface HistoryItem {
  id: string;
  server: string;
  tool: string;
  status: string;
  startedAt: string;
  arguments: unknown;
}

type Action = 'approve' | 'approve_session' | 'deny' | 'always_allow';

/** One request with all its context, and the decision buttons (stacked on a phone). */
export default function ApprovalPage() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const { id } = useParams();
  const q = useQuery<{ approval: Approval; history: HistoryItem[] }>(orgPath(org.id, `/approvals/${encodeURIComponent(id ?? '')}`));
  const [denyOpen, setDenyOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [pending, setPending] = useState<Action>();
  const [error, setError] = useState<string>();
  const [suggested, setSuggested] = useState<string>();
  const onEvent = useCallback(
    (_e: string, d: unknown) => {
      window.dispatchEvent(new Event(APPROVALS_CHANGED));
      if ((d as { id?: string }).id === id) q.reload();
    },
    [id, q.reload],
  );
  useStream(`/v1/approvals/stream?orgId=${encodeURIComponent(org.id)}`, ['approval'], onEvent);
  const mayDecide = can(org.role, 'approvals.decide');

  async function decide(action: Action, why?: string) {
    const a = q.data?.approval;
    if (!a) return;
    setPending(action);
    setError(undefined);
    try {
      // The call hash binds the decision to exactly the call shown here.
      const r = await api.post<{ approval: Approval; suggestedRule?: string }>(orgPath(org.id, `/approvals/${encodeURIComponent(a.id)}/decision`), { action, callHash: a.callHash, ...(why ? { reason: why } : {}) });
      q.set((old) => (old ? { ...old, approval: r.approval } : old));
      if (r.suggestedRule) setSuggested(r.suggestedRule);
      setDenyOpen(false);
    } catch (e) {
      setError((e as Error).message);
      throw e;
    } finally {
      setPending(undefined);
    }
  }

  return (
    <>
      <p className="mb-2 text-sm">
        <Link to="/approvals" className="text-indigo-600 hover:underline dark:text-indigo-400">
          ← {t('approvals.back')}
        </Link>
      </p>
      <Async q={q}>
        {({ approval: a, history }) => (
          <div className="space-y-4" data-testid="approval-detail" data-state={a.state}>
            <PageHeader title={`${a.server} / ${a.tool}`} actions={<StateBadge state={a.state} />}>
              {t('approvals.agent')}: <strong>{a.agentName}</strong> · {t('approvals.requested')} {timeAgo(a.createdAt, lang)}
              {a.state === 'pending' && (
                <>
                  {' '}
                  · {t('approvals.expires')} {timeAgo(a.expiresAt, lang)}
                </>
              )}
            </PageHeader>

            {a.state === 'pending' && mayDecide && (
              <div className="sticky top-12 z-10 -mx-3 border-y border-slate-200 bg-white/95 px-3 py-3 backdrop-blur sm:static sm:mx-0 sm:rounded-lg sm:border sm:px-4 lg:top-0 dark:border-slate-800 dark:bg-slate-950/95">
                <div className="grid grid-cols-1 gap-2 sm:flex sm:flex-wrap">
                  <Button variant="primary" data-testid="approve" pending={pending === 'approve'} disabled={!!pending} onClick={() => void decide('approve').catch(() => {})}>
                    {t('approvals.approve')}
                  </Button>
                  <ConfirmButton variant="primary" label={t('approvals.approveSession')} title={t('approvals.sessionTitle')} message={t('approvals.sessionText', { tool: a.tool, server: a.server })} onConfirm={() => decide('approve_session')} disabled={!!pending} />
                  <Button variant="danger" data-testid="deny" disabled={!!pending} onClick={() => (setReason(''), setDenyOpen(true))}>
                    {t('approvals.deny')}
                  </Button>
                  <ConfirmButton
                    variant="primary"
                    label={t('approvals.alwaysAllow')}
                    title={t('approvals.alwaysTitle')}
                    message={t('approvals.alwaysText', { tool: a.tool, server: a.server, agent: a.agentName })}
                    confirmLabel={t('approvals.alwaysConfirm')}
                    onConfirm={() => decide('always_allow')}
                    disabled={!!pending}
                  />
                </div>
                {a.requiredApprovals > 1 && <p className="mt-2 text-sm text-slate-500">{t('approvals.approvalsCount', { n: a.approvals, m: a.requiredApprovals })}</p>}
                {error && (
                  <p role="alert" className="mt-2 text-sm text-red-600 dark:text-red-400">
                    {error}
                  </p>
                )}
              </div>
            )}
            {a.state === 'pending' && !mayDecide && <EmptyState title={t('approvals.cannotDecide')} />}
            {a.state !== 'pending' && (
              <Card>
                <p data-testid="decision">{t('approvals.decidedBy', { name: a.decidedByName ?? '—', channel: a.decidedChannel ?? '—' })} · {formatTime(a.decidedAt, lang)}</p>
                {a.decisionReason && <p className="mt-1 text-sm">{t('approvals.decisionReason', { reason: a.decisionReason })}</p>}
              </Card>
            )}
            {suggested && (
              <p role="status" className="rounded-lg bg-indigo-50 p-3 text-sm text-indigo-900 dark:bg-indigo-950 dark:text-indigo-200">
                {t('approvals.suggested', { id: suggested })} ·{' '}
                <Link to="/policies" className="underline">
                  {t('policies.nav')}
                </Link>
              </p>
            )}

            <div className="grid gap-4 lg:grid-cols-2">
              <Card title={t('approvals.shield')}>
                <div className="mb-2">
                  <RiskBadge risk={a.risk} />
                </div>
                {a.reasons.length === 0 ? (
                  <p className="text-sm text-slate-500">{t('approvals.noReasons')}</p>
                ) : (
                  <ul className="space-y-1 text-sm" data-testid="reasons">
                    {a.reasons.map((r, i) => (
                      <li key={i}>
                        <code className="mr-2 rounded bg-slate-100 px-1 text-xs dark:bg-slate-800">{r.rule}</code>
                        {r.message}
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
              <Card title={t('approvals.policy')}>
                {a.policyRule || a.policyReason ? (
                  <p className="text-sm">
                    {a.policyRule && <code className="mr-2 rounded bg-slate-100 px-1 text-xs dark:bg-slate-800">{a.policyRule}</code>}
                    {a.policyReason}
                  </p>
                ) : (
                  <p className="text-sm text-slate-500">{t('approvals.noPolicy')}</p>
                )}
              </Card>
            </div>

            <Card title={t('approvals.arguments')}>
              <Json value={a.arguments} />
              <p className="mt-2 break-all text-xs text-slate-500">
                {t('approvals.callHash')}: <code>{a.callHash}</code>
              </p>
            </Card>

            <Card title={t('approvals.sessionHistory')}>
              {history.length === 0 ? (
                <p className="text-sm text-slate-500">{t('approvals.noHistory')}</p>
              ) : (
                <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
                  {history.map((h) => (
                    <li key={h.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                      <Link to={`/calls/${encodeURIComponent(h.id)}`} className="font-mono text-indigo-600 hover:underline dark:text-indigo-400">
                        {h.server}/{h.tool}
                      </Link>
                      <span className="flex items-center gap-2 text-slate-500">
                        <Badge tone={h.status === 'ok' ? 'green' : h.status === 'denied' ? 'red' : 'slate'}>{h.status}</Badge>
                        {timeAgo(h.startedAt, lang)}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </Card>

            <Dialog
              open={denyOpen}
              onClose={() => setDenyOpen(false)}
              title={t('approvals.denyTitle')}
              footer={
                <>
                  <Button onClick={() => setDenyOpen(false)}>{t('common.cancel')}</Button>
                  <Button variant="danger" data-testid="deny-confirm" pending={pending === 'deny'} onClick={() => void decide('deny', reason.trim() || undefined).catch(() => {})}>
                    {t('approvals.denyConfirm')}
                  </Button>
                </>
              }
            >
              <TextArea label={t('approvals.denyReason')} rows={3} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
              {error && (
                <p role="alert" className="mt-2 text-red-600 dark:text-red-400">
                  {error}
                </p>
              )}
            </Dialog>
          </div>
        )}
      </Async>
    </>
  );
}
