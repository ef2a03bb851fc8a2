import { useState } from 'react';
import { api, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { useQuery } from '../lib/use-query.ts';
import { formatTime } from '../lib/format.ts';
import { Badge, Card, ConfirmButton, EmptyState, Json, inputClass } from '../ui/index.ts';
import { AsyncOrMissing } from '../ui/Unavailable.tsx';
import { ReasonsTable, type Reason } from './shield-parts.tsx';

interface ToolDef {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
}

export interface Pin {
  server: string;
  tool: string;
  status: 'approved' | 'quarantined' | 'rejected';
  review: 'changed' | 'flagged' | null;
  hash: string;
  pendingHash: string | null;
  reviewHash: string | null;
  definition: ToolDef;
  pendingDefinition: ToolDef | null;
  findings: Reason[];
  pendingFindings: Reason[] | null;
  firstSeen: string;
  changedAt: string | null;
}

export const PIN_TONE = { approved: 'green', quarantined: 'amber', rejected: 'red' } as const;

/** Old and new description side by side, so a reviewer sees exactly what changed. */
function Definitions({ pin }: { pin: Pin }) {
  const { t } = useI18n();
  const next = pin.pendingDefinition;
  if (!next) return <p className="whitespace-pre-wrap break-words text-sm">{pin.definition.description ?? '—'}</p>;
  return (
    <div className="grid gap-3 md:grid-cols-2">
      <div>
        <p className="text-xs font-medium text-slate-500">{t('shield.approvedDefinition')}</p>
        <p className="whitespace-pre-wrap break-words text-sm">{pin.definition.description ?? '—'}</p>
      </div>
      <div>
        <p className="text-xs font-medium text-amber-700 dark:text-amber-300">{t('shield.newDefinition')}</p>
        <p className="whitespace-pre-wrap break-words text-sm">{next.description ?? '—'}</p>
        {JSON.stringify(next.inputSchema) !== JSON.stringify(pin.definition.inputSchema) && (
          <details className="mt-2">
            <summary className="cursor-pointer text-xs">{t('shield.schemaChanged')}</summary>
            <Json value={next.inputSchema} />
          </details>
        )}
      </div>
    </div>
  );
}

/** Tools waiting for review: rug pulls (a changed definition) and tools flagged at first sight. */
export function ShieldPins({ manage }: { manage: boolean }) {
  const { t, lang } = useI18n();
  const org = useOrg();
  const [status, setStatus] = useState<'review' | 'rejected'>('review');
  const q = useQuery<{ pins: Pin[] }>(orgPath(org.id, '/shield/pins'), { status });
  const decide = async (pin: Pin, decision: 'approve' | 'reject') => {
    await api.post(orgPath(org.id, `/shield/pins/${decision}`), { server: pin.server, tool: pin.tool, hash: pin.reviewHash });
    q.reload();
  };
  return (
    <Card
      title={t('shield.reviewTitle')}
      actions={
        <select aria-label={t('shield.reviewShow')} className={`${inputClass} w-auto`} value={status} onChange={(e) => setStatus(e.target.value as 'review' | 'rejected')}>
          <option value="review">{t('shield.reviewWaiting')}</option>
          <option value="rejected">{t('shield.reviewRejected')}</option>
        </select>
      }
    >
      <AsyncOrMissing q={q}>
        {(d) =>
          d.pins.length === 0 ? (
            <EmptyState title={t(status === 'review' ? 'shield.reviewEmpty' : 'shield.rejectedEmpty')} />
          ) : (
            <ul className="space-y-4" data-testid="shield-review">
              {d.pins.map((p) => (
                <li key={`${p.server}/${p.tool}`} className="space-y-2 rounded-md p-3 ring-1 ring-amber-300 dark:ring-amber-800">
                  <div className="flex flex-wrap items-center gap-2">
                    <code className="font-medium">
                      {p.server}/{p.tool}
                    </code>
                    <Badge tone={p.review === 'changed' ? 'red' : 'amber'}>{t(p.review === 'changed' ? 'shield.rugPull' : 'shield.flagged')}</Badge>
                    {p.status === 'rejected' && <Badge tone="red">{t('shield.pin_rejected')}</Badge>}
                    <span className="text-xs text-slate-500">{formatTime(p.changedAt ?? p.firstSeen, lang)}</span>
                  </div>
                  <Definitions pin={p} />
                  {(p.pendingFindings ?? p.findings).length > 0 && <ReasonsTable reasons={p.pendingFindings ?? p.findings} />}
                  {manage && (
                    <div className="flex flex-wrap gap-2">
                      <ConfirmButton variant="primary" label={t('shield.approve')} title={t('shield.approveTitle', { tool: `${p.server}/${p.tool}` })} message={t('shield.approveBody')} confirmLabel={t('shield.approve')} onConfirm={() => decide(p, 'approve')} />
                      {p.status === 'quarantined' && <ConfirmButton label={t('shield.reject')} title={t('shield.rejectTitle', { tool: `${p.server}/${p.tool}` })} message={t('shield.rejectBody')} confirmLabel={t('shield.reject')} onConfirm={() => decide(p, 'reject')} />}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </AsyncOrMissing>
    </Card>
  );
}

interface Finding {
  server: string;
  tool: string;
  status: Pin['status'];
  definition: 'pinned' | 'under review';
  findings: Reason[];
}

/** Poisoning findings in tool definitions this org's agents were offered. */
export function ShieldFindings() {
  const { t } = useI18n();
  const org = useOrg();
  const q = useQuery<{ findings: Finding[] }>(orgPath(org.id, '/shield/findings'));
  return (
    <Card title={t('shield.findingsTitle')}>
      <AsyncOrMissing q={q}>
        {(d) =>
          d.findings.length === 0 ? (
            <EmptyState title={t('shield.findingsEmpty')} />
          ) : (
            <ul className="space-y-3" data-testid="shield-findings">
              {d.findings.map((f) => (
                <li key={`${f.server}/${f.tool}/${f.definition}`} className="space-y-2">
                  <div className="flex flex-wrap items-center gap-2">
                    <code className="font-medium">
                      {f.server}/{f.tool}
                    </code>
                    <Badge tone={PIN_TONE[f.status]}>{t(`shield.pin_${f.status}`)}</Badge>
                    <Badge>{t(f.definition === 'pinned' ? 'shield.defPinned' : 'shield.defReview')}</Badge>
                  </div>
                  <ReasonsTable reasons={f.findings} />
                </li>
              ))}
            </ul>
          )
        }
      </AsyncOrMissing>
    </Card>
  );
}
