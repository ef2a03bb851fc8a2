import { useState } from 'react';
import { api, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { useOrg, useSession } from '../lib/session.tsx';
import { can } from '../lib/roles.ts';
import { useAction, useQuery } from '../lib/use-query.ts';
import { formatTime, formatNumber } from '../lib/format.ts';
import { Badge, Button, Card, EmptyState, PageHeader, Select, Table, TextInput } from '../ui/index.ts';
import { AsyncOrMissing } from '../ui/Unavailable.tsx';
import { VaultStatus } from './integrations-vault.tsx';

interface ChatLink {
  provider: 'slack' | 'telegram';
  external_id: string;
  user_id: string;
  created_at: string;
}

interface Member {
  userId: string;
  email: string;
  name: string;
}

interface Sink {
  name: string;
  type: string;
  target?: string | null;
  state: string;
  lag_events: number;
  lag_seconds: number | null;
  last_error: string | null;
  last_error_at: string | null;
  last_success_at: string | null;
  delivered_total: number;
}

/** Slack and Telegram accounts linked to members, so approvers can decide from chat. */
function ChatLinks() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const { me } = useSession();
  const links = useQuery<{ links: ChatLink[] }>(orgPath(org.id, '/approvals-links'));
  const members = useQuery<{ members: Member[] }>(orgPath(org.id, '/members'));
  const [code, setCode] = useState<{ code: string; expiresAt: string }>();
  const [slackUser, setSlackUser] = useState('');
  const [slackMember, setSlackMember] = useState('');
  const telegram = useAction(() => api.post<{ code: string; expiresAt: string }>(orgPath(org.id, '/approvals-links/telegram-code')));
  const slack = useAction(() => api.put(orgPath(org.id, '/approvals-links/slack'), { userId: slackMember, slackUserId: slackUser.trim() }));
  const who = (id: string) => members.data?.members.find((m) => m.userId === id)?.email ?? id;
  return (
    <Card title={t('integrations.chatTitle')}>
      <AsyncOrMissing q={links} what={t('integrations.chatTitle')}>
        {(d) => (
          <div className="space-y-4">
            {d.links.length === 0 ? (
              <EmptyState title={t('integrations.noLinks')} />
            ) : (
              <Table
                label={t('integrations.chatTitle')}
                rows={d.links}
                rowKey={(l) => `${l.provider}:${l.external_id}`}
                columns={[
                  { key: 'p', header: t('integrations.provider'), cell: (l) => <Badge tone="indigo">{l.provider === 'slack' ? 'Slack' : 'Telegram'}</Badge> },
                  { key: 'ext', header: t('integrations.chatAccount'), cell: (l) => <code className="text-xs">{l.external_id}</code> },
                  { key: 'u', header: t('integrations.member'), cell: (l) => who(l.user_id) },
                  { key: 'at', header: t('integrations.linkedAt'), cell: (l) => formatTime(l.created_at, lang) },
                ]}
              />
            )}
            {can(org.role, 'approvals.decide') && (
              <div className="space-y-2">
                <h3 className="text-sm font-medium">{t('integrations.telegramTitle')}</h3>
                <p className="text-sm text-slate-500">{t('integrations.telegramHelp')}</p>
                <Button pending={telegram.pending} onClick={async () => setCode(await telegram.run())}>
                  {t('integrations.telegramCode')}
                </Button>
                {telegram.error && <p role="alert" className="text-sm text-red-600">{telegram.error.message}</p>}
                {code && (
                  <p className="text-sm" data-testid="telegram-code">
                    {t('integrations.sendToBot')} <code className="select-all rounded bg-slate-100 px-1 dark:bg-slate-800">/link {code.code}</code> ({t('integrations.until', { when: formatTime(code.expiresAt, lang) })})
                  </p>
                )}
              </div>
            )}
            {can(org.role, 'members.manage') && (
              <form
                className="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-end"
                onSubmit={async (e) => {
                  e.preventDefault();
                  if ((await slack.run()) !== undefined) {
                    setSlackUser('');
                    links.reload();
                  }
                }}
              >
                <Select label={t('integrations.slackMember')} value={slackMember} onChange={(e) => setSlackMember(e.target.value)}>
                  <option value="">{t('integrations.choose')}</option>
                  {(members.data?.members ?? []).map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.email}
                      {m.userId === me?.user.id ? ` (${t('integrations.you')})` : ''}
                    </option>
                  ))}
                </Select>
                <TextInput label={t('integrations.slackUser')} value={slackUser} onChange={(e) => setSlackUser(e.target.value)} placeholder="U01ABCDEF" hint={t('integrations.slackHint')} error={slack.error?.message} />
                <Button type="submit" pending={slack.pending} disabled={!slackMember || !slackUser.trim()}>
                  {t('integrations.linkSlack')}
                </Button>
              </form>
            )}
          </div>
        )}
      </AsyncOrMissing>
    </Card>
  );
}

const SINK_TONE: Record<string, 'green' | 'amber' | 'red' | 'slate'> = { ok: 'green', behind: 'amber', failing: 'red' };

/** Where this org's audit records go, and whether they get there. */
function SiemSinks() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const q = useQuery<{ sinks: Sink[] }>(orgPath(org.id, '/siem/sinks'));
  return (
    <Card title={t('integrations.siemTitle')}>
      <AsyncOrMissing q={q} what={t('integrations.siemTitle')} empty={(d) => d.sinks.length === 0}>
        {(d) => (
          <Table
            label={t('integrations.siemTitle')}
            rows={d.sinks}
            rowKey={(s) => s.name}
            columns={[
              { key: 'n', header: t('integrations.sink'), cell: (s) => <div><code>{s.name}</code> <span className="text-xs text-slate-500">{s.type}</span>{s.target && <p className="break-all text-xs text-slate-500">{s.target}</p>}</div> },
              { key: 's', header: t('integrations.state'), cell: (s) => <Badge tone={SINK_TONE[s.state] ?? 'slate'}>{t(`integrations.sink_${s.state}`)}</Badge> },
              { key: 'lag', header: t('integrations.lag'), cell: (s) => t('integrations.lagValue', { n: formatNumber(s.lag_events, lang), s: s.lag_seconds === null ? '—' : formatNumber(Math.round(s.lag_seconds), lang) }) },
              { key: 'ok', header: t('integrations.lastSuccess'), cell: (s) => formatTime(s.last_success_at, lang) },
              { key: 'tot', header: t('integrations.delivered'), cell: (s) => formatNumber(s.delivered_total, lang) },
              { key: 'err', header: t('integrations.lastError'), cell: (s) => (s.last_error ? <span className="text-red-700 dark:text-red-300">{s.last_error} <span className="text-xs">({formatTime(s.last_error_at, lang)})</span></span> : '—') },
            ]}
          />
        )}
      </AsyncOrMissing>
    </Card>
  );
}

export default function IntegrationsPage() {
  const { t } = useI18n();
  const org = useOrg();
  return (
    <>
      <PageHeader title={t('integrations.title')}>{t('integrations.subtitle')}</PageHeader>
      <div className="space-y-6">
        {can(org.role, 'members.read') && <ChatLinks />}
        {can(org.role, 'audit.read') && <SiemSinks />}
        {can(org.role, 'secrets.read') && <VaultStatus />}
      </div>
    </>
  );
}
