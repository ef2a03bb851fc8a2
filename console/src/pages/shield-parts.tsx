import { useT } from '../i18n/index.tsx';
import { Badge, Table } from '../ui/index.ts';

/** Pieces the Shield page's sections share. */
export interface Reason {
  rule: string;
  severity: string;
  message: string;
  match?: string;
}

export const SEVERITY_TONE: Record<string, 'slate' | 'green' | 'amber' | 'red' | 'indigo'> = { info: 'slate', low: 'green', medium: 'amber', high: 'red', critical: 'red' };

/** Shield's verdicts in the console's badge words: block shows as blocked. */
export const badgeVerdict = (v: string) => (v === 'block' ? 'deny' : v);

export function ReasonsTable({ reasons }: { reasons: Reason[] }) {
  const t = useT();
  return (
    <Table
      label={t('shield.reasons')}
      rows={reasons}
      rowKey={(r) => r.rule + (r.match ?? '')}
      columns={[
        { key: 'rule', header: t('shield.rule'), cell: (r) => <code className="text-xs">{r.rule}</code> },
        { key: 'sev', header: t('shield.severity'), cell: (r) => <Badge tone={SEVERITY_TONE[r.severity] ?? 'slate'}>{t(`shield.sev_${r.severity}`)}</Badge> },
        { key: 'msg', header: t('shield.why'), cell: (r) => r.message },
        { key: 'match', header: t('shield.match'), cell: (r) => (r.match ? <code className="break-all text-xs">{r.match}</code> : '—') },
      ]}
    />
  );
}

