import { useState } from 'react';
import { api, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { can } from '../lib/roles.ts';
import { useAction, useQuery } from '../lib/use-query.ts';
import { formatTime } from '../lib/format.ts';
import { Badge, Button, Card, ErrorState, Loading, Select, Table } from '../ui/index.ts';
import { AsyncOrMissing } from '../ui/Unavailable.tsx';

interface Meta {
  id: string;
  reason: 'manual' | 'incident' | string;
  ref: string | null;
  actor: string;
  created_at: string;
  policy_version: number;
  audit_seq: number | null;
}

interface ListDiff {
  added: string[];
  removed: string[];
  changed: { id: string; fields: { field: string; from: unknown; to: unknown }[] }[];
}

interface Diff {
  identical: boolean;
  policy: { from_version: number; to_version: number; lines: string[]; rules: ListDiff; limits: ListDiff };
  agents: ListDiff;
  servers: ListDiff;
  tools: { added: string[]; removed: string[]; changed: { tool: string; from_hash: string; to_hash: string; status: string }[] };
  config: { field: string; from: unknown; to: unknown }[];
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function ListChanges({ title, d }: { title: string; d: ListDiff }) {
  const { t } = useI18n();
  if (!d.added.length && !d.removed.length && !d.changed.length) return null;
  return (
    <div>
      <h4 className="text-sm font-medium">{title}</h4>
      <ul className="mt-1 space-y-1 text-sm">
        {d.added.map((x) => <li key={`+${x}`}><Badge tone="green">+</Badge> <code>{x}</code></li>)}
        {d.removed.map((x) => <li key={`-${x}`}><Badge tone="red">−</Badge> <code>{x}</code></li>)}
        {d.changed.map((c) => (
          <li key={`~${c.id}`}>
            <Badge tone="amber">~</Badge> <code>{c.id}</code>: {c.fields.map((f) => <span key={f.field} className="mr-2 text-xs"><code>{f.field}</code> {show(f.from)} → {show(f.to)}</span>)}
          </li>
        ))}
      </ul>
      <span className="sr-only">{t('compliance.changes')}</span>
    </div>
  );
}

function DiffView({ from, to }: { from: string; to: string }) {
  const { t } = useI18n();
  const org = useOrg();
  const q = useQuery<Diff>(orgPath(org.id, '/snapshots/diff'), { from, to });
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={q.reload} />;
  if (!q.data) return <Loading />;
  const d = q.data;
  if (d.identical) return <p className="text-sm" data-testid="snapshot-diff">{t('compliance.identical')}</p>;
  return (
    <div className="space-y-3" data-testid="snapshot-diff">
      {d.policy.from_version !== d.policy.to_version && <p className="text-sm">{t('compliance.policyVersions', { a: d.policy.from_version, b: d.policy.to_version })}</p>}
      {d.policy.lines.length > 0 && <pre className="max-h-64 overflow-auto rounded-md bg-slate-50 p-3 text-xs dark:bg-slate-950">{d.policy.lines.join('\n')}</pre>}
      <ListChanges title={t('compliance.diffRules')} d={d.policy.rules} />
      <ListChanges title={t('compliance.diffLimits')} d={d.policy.limits} />
      <ListChanges title={t('compliance.diffAgents')} d={d.agents} />
      <ListChanges title={t('compliance.diffServers')} d={d.servers} />
      <ListChanges title={t('compliance.diffTools')} d={{ added: d.tools.added, removed: d.tools.removed, changed: d.tools.changed.map((c) => ({ id: c.tool, fields: [{ field: 'hash', from: c.from_hash.slice(0, 12), to: c.to_hash.slice(0, 12) }] })) }} />
      {d.config.length > 0 && <ListChanges title={t('compliance.diffConfig')} d={{ added: [], removed: [], changed: d.config.map((c) => ({ id: c.field, fields: [{ field: '', from: c.from, to: c.to }] })) }} />}
    </div>
  );
}

/** Context snapshots: what the org's rules, agents, servers and pins were, and what changed between two. */
export function Snapshots() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const q = useQuery<{ snapshots: Meta[] }>(orgPath(org.id, '/snapshots'), { limit: 50 });
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [shown, setShown] = useState<{ from: string; to: string }>();
  const capture = useAction(() => api.post(orgPath(org.id, '/snapshots'), { reason: 'manual' }));
  return (
    <Card
      title={t('compliance.snapshots')}
      actions={can(org.role, 'snapshots.manage') && <Button pending={capture.pending} onClick={async () => (await capture.run()) !== undefined && q.reload()}>{t('compliance.capture')}</Button>}
    >
      {capture.error && <ErrorState error={capture.error} />}
      <AsyncOrMissing q={q} what={t('compliance.snapshots')} empty={(d) => d.snapshots.length === 0}>
        {(d) => (
          <div className="space-y-4">
            <Table
              label={t('compliance.snapshots')}
              rows={d.snapshots}
              rowKey={(s) => s.id}
              columns={[
                { key: 'at', header: t('compliance.when'), cell: (s) => formatTime(s.created_at, lang) },
                { key: 'why', header: t('compliance.reason'), cell: (s) => <span>{t(`compliance.reason_${s.reason}`)}{s.ref && <code className="ml-1 text-xs">{s.ref}</code>}</span> },
                { key: 'pol', header: t('compliance.policy'), cell: (s) => `v${s.policy_version}` },
                { key: 'seq', header: t('compliance.auditSeq'), cell: (s) => s.audit_seq ?? '—' },
                { key: 'who', header: t('compliance.by'), cell: (s) => <span className="text-xs">{s.actor}</span> },
              ]}
            />
            {d.snapshots.length >= 2 && (
              <form
                className="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-end"
                onSubmit={(e) => {
                  e.preventDefault();
                  setShown({ from, to });
                }}
              >
                {[['from', from, setFrom], ['to', to, setTo]].map(([k, v, set]) => (
                  <Select key={k as string} label={t(`compliance.diff_${k as string}`)} value={v as string} onChange={(e) => (set as (x: string) => void)(e.target.value)} data-testid={`diff-${k as string}`}>
                    <option value="">{t('compliance.choose')}</option>
                    {d.snapshots.map((s) => (
                      <option key={s.id} value={s.id}>
                        {formatTime(s.created_at, lang)} · {t(`compliance.reason_${s.reason}`)}
                      </option>
                    ))}
                  </Select>
                ))}
                <Button type="submit" disabled={!from || !to || from === to} data-testid="diff-show">
                  {t('compliance.compare')}
                </Button>
              </form>
            )}
            {shown && <DiffView from={shown.from} to={shown.to} />}
          </div>
        )}
      </AsyncOrMissing>
    </Card>
  );
}
