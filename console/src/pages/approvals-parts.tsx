import type { Approval, ApprovalState } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { timeAgo } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { Badge, RiskBadge } from '../ui/index.ts';

const STATE_TONE: Record<ApprovalState, 'amber' | 'green' | 'red' | 'slate'> = { pending: 'amber', approved: 'green', denied: 'red', expired: 'slate', cancelled: 'slate', failed: 'red' };

export function StateBadge({ state }: { state: ApprovalState }) {
  const { t } = useI18n();
  return <Badge tone={STATE_TONE[state]}>{t(`approvals.state_${state}`)}</Badge>;
}

/** One request as a card: big enough to tap on a phone, everything an approver scans first. */
export function ApprovalCard({ a }: { a: Approval }) {
  const { t, lang } = useI18n();
  return (
    <li data-testid="approval-card" data-approval-id={a.id}>
      <Link to={`/approvals/${a.id}`} className="block rounded-lg bg-white p-4 ring-1 ring-slate-200 hover:ring-indigo-400 dark:bg-slate-900 dark:ring-slate-800">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="font-mono text-sm font-semibold break-all">
            {a.server}
            <span className="text-slate-400">/</span>
            {a.tool}
          </p>
          <div className="flex items-center gap-2">
            <RiskBadge risk={a.risk} />
            <StateBadge state={a.state} />
          </div>
        </div>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          {t('approvals.agent')}: <span className="font-medium">{a.agentName}</span> · {timeAgo(a.createdAt, lang)}
        </p>
        {a.reasons.length > 0 && <p className="mt-2 line-clamp-2 text-sm text-slate-700 dark:text-slate-300">{a.reasons.map((r) => r.message).join(' · ')}</p>}
        {a.reasons.length === 0 && a.policyReason && <p className="mt-2 line-clamp-2 text-sm text-slate-700 dark:text-slate-300">{a.policyReason}</p>}
      </Link>
    </li>
  );
}
