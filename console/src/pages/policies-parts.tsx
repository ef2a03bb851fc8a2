import { api, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatTime } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { useQuery } from '../lib/use-query.ts';
import { Async, Badge, Card, ConfirmButton, Table } from '../ui/index.ts';

export type Effect = 'allow' | 'approve' | 'deny' | 'audit';

export interface DecisionChange {
  call: string;
  agent: string;
  server: string;
  tool: string;
  at: string;
  before: Effect;
  after: Effect;
  beforeRule?: string;
  afterRule?: string;
  reason: string;
}

export interface Simulation {
  total: number;
  unchanged: number;
  newlyBlocked: DecisionChange[];
  newlyAllowed: DecisionChange[];
  needsApproval: DecisionChange[];
  ruleChanged: number;
}

export interface Version {
  version: number;
  source: string;
  actor: string;
  created_at: string;
  diff: string;
  rolled_back_to: number | null;
}

const EFFECT_TONE: Record<string, 'green' | 'red' | 'amber' | 'slate'> = { allow: 'green', deny: 'red', approve: 'amber', audit: 'slate' };

function Changes({ title, rows, testId }: { title: string; rows: DecisionChange[]; testId: string }) {
  const { t, lang } = useI18n();
  if (!rows.length) return null;
  return (
    <div data-testid={testId}>
      <h3 className="mb-2 mt-4 text-sm font-semibold">
        {title} ({rows.length})
      </h3>
      <Table
        rows={rows.slice(0, 200)}
        rowKey={(r) => r.call}
        columns={[
          { key: 'call', header: t('policies.call'), cell: (r) => <Link to={`/calls/${encodeURIComponent(r.call)}`} className="font-mono text-indigo-600 hover:underline dark:text-indigo-400">{r.server}/{r.tool}</Link> },
          { key: 'agent', header: t('approvals.agent'), cell: (r) => r.agent },
          { key: 'ba', header: `${t('policies.before')} → ${t('policies.after')}`, cell: (r) => <span className="flex items-center gap-1"><Badge tone={EFFECT_TONE[r.before]}>{r.before}</Badge>→<Badge tone={EFFECT_TONE[r.after]}>{r.after}</Badge></span> },
          { key: 'rule', header: t('policies.rule'), cell: (r) => <span className="text-xs">{r.afterRule ?? r.beforeRule ?? '—'}<br /><span className="text-slate-500">{r.reason}</span></span> },
          { key: 'at', header: t('policies.when'), cell: (r) => <span className="whitespace-nowrap text-xs">{formatTime(r.at, lang)}</span> },
        ]}
      />
    </div>
  );
}

/** The decision diff of a candidate against recorded calls. */
export function SimulationView({ sim }: { sim: Simulation }) {
  const { t } = useI18n();
  const changed = sim.newlyBlocked.length + sim.newlyAllowed.length + sim.needsApproval.length;
  return (
    <Card title={t('policies.simTitle', { total: sim.total })}>
      <div data-testid="simulation" className="flex flex-wrap gap-2 text-sm">
        <Badge>{sim.unchanged} {t('policies.unchanged')}</Badge>
        <Badge tone="red">{sim.newlyBlocked.length} {t('policies.newlyBlocked')}</Badge>
        <Badge tone="green">{sim.newlyAllowed.length} {t('policies.newlyAllowed')}</Badge>
        <Badge tone="amber">{sim.needsApproval.length} {t('policies.needsApproval')}</Badge>
        <Badge>{sim.ruleChanged} {t('policies.ruleChanged')}</Badge>
      </div>
      {changed === 0 && <p className="mt-3 text-sm text-slate-500">{t('policies.noChanges')}</p>}
      <Changes title={t('policies.newlyBlocked')} rows={sim.newlyBlocked} testId="sim-blocked" />
      <Changes title={t('policies.newlyAllowed')} rows={sim.newlyAllowed} testId="sim-allowed" />
      <Changes title={t('policies.needsApproval')} rows={sim.needsApproval} testId="sim-approval" />
    </Card>
  );
}

/** Every version with its stored diff; roll back to any earlier one (as a new version). */
export function Versions({ orgId, active, mayManage, onRolledBack }: { orgId: string; active: number; mayManage: boolean; onRolledBack: (v: number) => void }) {
  const { t, lang } = useI18n();
  const q = useQuery<{ versions: Version[] }>(orgPath(orgId, '/policies/versions'));
  return (
    <Async q={q} empty={(d) => d.versions.length === 0}>
      {(d) => (
        <ol className="space-y-3" data-testid="versions">
          {d.versions.map((v) => (
            <li key={v.version} data-version={v.version} className="rounded-lg bg-white p-4 ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <p className="text-sm">
                  <strong>
                    {t('policies.version')} {v.version}
                  </strong>{' '}
                  · {v.source}
                  {v.rolled_back_to !== null && <> ({t('policies.restoredFrom', { v: v.rolled_back_to })})</>} · {v.actor} · {formatTime(v.created_at, lang)}
                </p>
                {v.version === active ? (
                  <Badge tone="green">{t('policies.current')}</Badge>
                ) : (
                  mayManage && (
                    <ConfirmButton
                      label={t('policies.rollback')}
                      title={t('policies.rollbackTitle', { v: v.version })}
                      message={t('policies.rollbackText', { v: v.version })}
                      confirmLabel={t('policies.rollback').replace('…', '')}
                      onConfirm={async () => {
                        const r = await api.post<{ version: number }>(orgPath(orgId, '/policies/rollback'), { version: v.version });
                        q.reload();
                        onRolledBack(r.version);
                      }}
                    />
                  )
                )}
              </div>
              <pre className="mt-2 overflow-x-auto whitespace-pre-wrap rounded bg-slate-50 p-2 text-xs dark:bg-slate-950">
                {v.diff.split('\n').map((line, i) => (
                  <span key={i} className={`block ${line.startsWith('+') ? 'text-emerald-700 dark:text-emerald-400' : line.startsWith('-') ? 'text-red-700 dark:text-red-400' : ''}`}>
                    {line}
                  </span>
                ))}
              </pre>
            </li>
          ))}
        </ol>
      )}
    </Async>
  );
}
