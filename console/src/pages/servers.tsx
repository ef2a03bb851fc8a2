import { useState } from 'react';
import { api, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { can } from '../lib/roles.ts';
import { useQuery } from '../lib/use-query.ts';
import { Badge, Button, Card, ConfirmButton, EmptyState, ErrorState, Loading, PageHeader, Table } from '../ui/index.ts';
import { AsyncOrMissing } from '../ui/Unavailable.tsx';

type State = 'idle' | 'starting' | 'ready' | 'backoff' | 'closed';

interface Server {
  name: string;
  kind: 'stdio' | 'http';
  mode: 'shared' | 'per-session';
  state: State;
  restarts: number;
  inflight: number;
  connections: number;
  lastError: string | null;
  labels: Record<string, string>;
  serverInfo: { name: string; version: string } | null;
  pins?: { approved: number; quarantined: number; rejected: number };
}

interface Tool {
  name: string;
  title: string | null;
  description: string | null;
  pin: { status: 'approved' | 'quarantined' | 'rejected'; hash: string; changed: boolean } | null;
  findings: { rule: string; severity: string; message: string }[];
  agents: { visibleTo: number; of: number };
}

interface Detail {
  server: Server;
  toolsSource: 'live' | 'pins';
  toolsError: string | null;
  tools: Tool[];
}

const STATE_TONE: Record<State, 'green' | 'amber' | 'red' | 'slate'> = { ready: 'green', starting: 'amber', backoff: 'red', idle: 'slate', closed: 'slate' };
const PIN_TONE = { approved: 'green', quarantined: 'amber', rejected: 'red' } as const;

function Labels({ labels }: { labels: Record<string, string> }) {
  const e = Object.entries(labels);
  if (!e.length) return <>—</>;
  return (
    <div className="flex flex-wrap gap-1">
      {e.map(([k, v]) => (
        <Badge key={k} tone="indigo">
          {k}={v}
        </Badge>
      ))}
    </div>
  );
}

/** One server's tools with this org's pins, and how many of its agents may see each. */
function ServerTools({ name }: { name: string }) {
  const { t } = useI18n();
  const org = useOrg();
  const q = useQuery<Detail>(orgPath(org.id, `/servers/${encodeURIComponent(name)}`));
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={q.reload} />;
  if (!q.data) return <Loading />;
  const d = q.data;
  return (
    <div className="space-y-2" data-testid={`tools-${name}`}>
      <p className="text-xs text-slate-500">{t(d.toolsSource === 'live' ? 'servers.sourceLive' : 'servers.sourcePins')}</p>
      {d.toolsError && <p role="alert" className="text-sm text-red-600 dark:text-red-400">{d.toolsError}</p>}
      {d.tools.length === 0 ? (
        <EmptyState title={t('servers.noTools')} />
      ) : (
        <Table
          label={t('servers.tools')}
          rows={d.tools}
          rowKey={(x) => x.name}
          columns={[
            {
              key: 'name',
              header: t('servers.tool'),
              cell: (x) => (
                <div>
                  <code className="text-xs font-medium">{x.name}</code>
                  {x.description && <p className="line-clamp-2 max-w-xl text-xs text-slate-500">{x.description}</p>}
                </div>
              ),
            },
            {
              key: 'pin',
              header: t('servers.pin'),
              cell: (x) =>
                x.pin ? (
                  <div className="flex flex-wrap gap-1">
                    <Badge tone={PIN_TONE[x.pin.status]} title={x.pin.hash}>
                      {t(`servers.pin_${x.pin.status}`)}
                    </Badge>
                    {x.pin.changed && <Badge tone="red">{t('servers.changed')}</Badge>}
                  </div>
                ) : (
                  <Badge>{t('servers.unpinned')}</Badge>
                ),
            },
            { key: 'find', header: t('servers.findings'), cell: (x) => (x.findings.length ? <Badge tone="red" title={x.findings.map((f) => f.rule).join(', ')}>{x.findings.length}</Badge> : '—') },
            { key: 'agents', header: t('servers.visibleTo'), cell: (x) => t('servers.agentsOf', { n: x.agents.visibleTo, of: x.agents.of }) },
          ]}
        />
      )}
    </div>
  );
}

export default function ServersPage() {
  const { t } = useI18n();
  const org = useOrg();
  const q = useQuery<{ servers: Server[] }>(orgPath(org.id, '/servers'));
  const [open, setOpen] = useState<string>();
  const manage = can(org.role, 'servers.manage');
  const restart = async (name: string) => {
    await api.post(orgPath(org.id, `/servers/${encodeURIComponent(name)}/restart`));
    q.reload();
  };
  return (
    <>
      <PageHeader title={t('servers.title')} actions={<Button onClick={q.reload}>{t('common.refresh')}</Button>}>
        {t('servers.subtitle')}
      </PageHeader>
      <AsyncOrMissing q={q} empty={(d) => d.servers.length === 0}>
        {(d) => (
          <div className="space-y-4">
            {d.servers.map((s) => (
              <Card
                key={s.name}
                title={
                  <span className="flex flex-wrap items-center gap-2">
                    <code data-testid="server-name">{s.name}</code>
                    <Badge tone={STATE_TONE[s.state]}>{t(`servers.state_${s.state}`)}</Badge>
                  </span>
                }
                actions={
                  <div className="flex flex-wrap gap-2">
                    <Button variant="ghost" aria-expanded={open === s.name} onClick={() => setOpen(open === s.name ? undefined : s.name)}>
                      {t(open === s.name ? 'servers.hideTools' : 'servers.showTools')}
                    </Button>
                    {manage && s.mode === 'shared' && (
                      <ConfirmButton label={t('servers.restart')} title={t('servers.restartTitle', { name: s.name })} message={t('servers.restartBody', { n: s.inflight })} confirmLabel={t('servers.restart')} onConfirm={() => restart(s.name)} />
                    )}
                  </div>
                }
              >
                <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
                  <div>
                    <dt className="text-xs text-slate-500">{t('servers.kind')}</dt>
                    <dd>
                      {s.kind} · {t(s.mode === 'shared' ? 'servers.shared' : 'servers.perSession')}
                    </dd>
                  </div>
                  <div>
                    <dt className="text-xs text-slate-500">{t('servers.info')}</dt>
                    <dd>{s.serverInfo ? `${s.serverInfo.name} ${s.serverInfo.version}` : '—'}</dd>
                  </div>
                  <div>
                    <dt className="text-xs text-slate-500">{t('servers.activity')}</dt>
                    <dd>{t('servers.activityValue', { c: s.connections, i: s.inflight, r: s.restarts })}</dd>
                  </div>
                  <div>
                    <dt className="text-xs text-slate-500">{t('servers.labels')}</dt>
                    <dd>
                      <Labels labels={s.labels} />
                    </dd>
                  </div>
                  {s.pins && (
                    <div className="sm:col-span-2">
                      <dt className="text-xs text-slate-500">{t('servers.pins')}</dt>
                      <dd className="flex flex-wrap gap-1">
                        <Badge tone="green">{t('servers.pinsApproved', { n: s.pins.approved })}</Badge>
                        {s.pins.quarantined > 0 && <Badge tone="amber">{t('servers.pinsQuarantined', { n: s.pins.quarantined })}</Badge>}
                        {s.pins.rejected > 0 && <Badge tone="red">{t('servers.pinsRejected', { n: s.pins.rejected })}</Badge>}
                      </dd>
                    </div>
                  )}
                  {s.lastError && (
                    <div className="sm:col-span-2 lg:col-span-4">
                      <dt className="text-xs text-slate-500">{t('servers.lastError')}</dt>
                      <dd className="break-words text-red-700 dark:text-red-300">{s.lastError}</dd>
                    </div>
                  )}
                </dl>
                {open === s.name && (
                  <div className="mt-4">
                    <ServerTools name={s.name} />
                  </div>
                )}
              </Card>
            ))}
          </div>
        )}
      </AsyncOrMissing>
    </>
  );
}
