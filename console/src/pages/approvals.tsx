import { useCallback, useRef, useState } from 'react';
import { orgPath, type Approval, type ApprovalState } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { useQuery } from '../lib/use-query.ts';
import { useStream } from '../lib/use-stream.ts';
import { APPROVALS_CHANGED } from '../lib/pending.ts';
import { Async, Badge, EmptyState, PageHeader } from '../ui/index.ts';
import { ApprovalCard } from './approvals-parts.tsx';

type Tab = 'pending' | 'decided';

/** The queue: waiting requests first; updates live from the approvals stream. */
export default function Approvals() {
  const t = useT();
  const org = useOrg();
  const [tab, setTab] = useState<Tab>('pending');
  const q = useQuery<{ approvals: Approval[] }>(orgPath(org.id, '/approvals'), { limit: 100, ...(tab === 'pending' ? { state: 'pending' } : {}) });
  // Bursts of changes cost one reload.
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const onEvent = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => (q.reload(), window.dispatchEvent(new Event(APPROVALS_CHANGED))), 100);
  }, [q.reload]);
  const status = useStream(`/v1/approvals/stream?orgId=${encodeURIComponent(org.id)}`, ['approval'], onEvent);
  const shown = (d: { approvals: Approval[] }) => (tab === 'pending' ? d.approvals : d.approvals.filter((a) => a.state !== ('pending' as ApprovalState)));

  return (
    <>
      <PageHeader title={t('approvals.title')} actions={<Badge tone={status === 'open' ? 'green' : 'amber'}>{status === 'open' ? t('common.live') : t('common.offline')}</Badge>}>
        {t('approvals.subtitle')}
      </PageHeader>
      <div role="tablist" className="mb-4 flex gap-1 rounded-lg bg-slate-100 p-1 text-sm dark:bg-slate-900">
        {(['pending', 'decided'] as Tab[]).map((k) => (
          <button
            key={k}
            role="tab"
            aria-selected={tab === k}
            onClick={() => setTab(k)}
            className={`flex-1 rounded-md px-3 py-1.5 ${tab === k ? 'bg-white font-medium shadow-sm dark:bg-slate-800' : 'text-slate-600 dark:text-slate-400'}`}
          >
            {t(`approvals.${k}`)}
          </button>
        ))}
      </div>
      <Async q={q}>
        {(d) =>
          shown(d).length === 0 ? (
            <EmptyState title={tab === 'pending' ? t('approvals.emptyPending') : t('common.empty')} />
          ) : (
            <ul className="space-y-3" data-testid="approval-list">
              {shown(d).map((a) => (
                <ApprovalCard key={a.id} a={a} />
              ))}
            </ul>
          )
        }
      </Async>
    </>
  );
}
