import type { ReactNode } from 'react';
import { useT } from '../i18n/index.tsx';

type Tone = 'green' | 'red' | 'amber' | 'slate' | 'indigo';

const tones: Record<Tone, string> = {
  green: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200',
  red: 'bg-red-100 text-red-800 dark:bg-red-900/60 dark:text-red-200',
  amber: 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-200',
  slate: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
  indigo: 'bg-indigo-100 text-indigo-800 dark:bg-indigo-900/60 dark:text-indigo-200',
};

export function Badge({ tone = 'slate', children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return (
    <span title={title} className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>
      {children}
    </span>
  );
}

const VERDICT_TONE: Record<string, Tone> = { allow: 'green', deny: 'red', block: 'red', approve: 'amber', error: 'slate' };

/** allow / block (or deny) / approve (needs approval) / error, in the user's language. */
export function VerdictBadge({ verdict }: { verdict: string | null | undefined }) {
  const t = useT();
  const v = verdict ?? 'error';
  return <Badge tone={VERDICT_TONE[v] ?? 'slate'}>{t(`common.verdict_${v}`) === `common.verdict_${v}` ? v : t(`common.verdict_${v}`)}</Badge>;
}

/** Shield's 0–100 risk score: amber from 40, red from 70 (Shield's default thresholds). */
export function RiskBadge({ risk }: { risk: number | null | undefined }) {
  const t = useT();
  if (risk === null || risk === undefined) return <Badge>—</Badge>;
  const tone: Tone = risk >= 70 ? 'red' : risk >= 40 ? 'amber' : 'green';
  return <Badge tone={tone}>{t('common.risk', { n: risk })}</Badge>;
}
