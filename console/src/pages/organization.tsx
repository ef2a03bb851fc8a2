import { useState, type FormEvent } from 'react';
import { api, ApiError, orgPath, type Role } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatTime } from '../lib/format.ts';
import { can, ROLES } from '../lib/roles.ts';
import { useOrg, useSession } from '../lib/session.tsx';
import { useQuery } from '../lib/use-query.ts';
import { Async, Badge, Button, Card, ConfirmButton, Dialog, PageHeader, Select, Table, TextInput } from '../ui/index.ts';

interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  twoFactorEnabled: boolean;
  since: string;
}

interface Invite {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

function Settings() {
  const { t } = useI18n();
  const org = useOrg();
  const { refresh } = useSession();
  const q = useQuery<{ id: string; name: string; requireMfa: boolean }>(orgPath(org.id));
  const [name, setName] = useState<string>();
  const [msg, setMsg] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const mayUpdate = can(org.role, 'org.update');
  async function patch(body: { name?: string; requireMfa?: boolean }) {
    setError(undefined);
    setMsg(undefined);
    try {
      await api.patch(orgPath(org.id), body);
      setMsg(t('organization.saved'));
      q.reload();
      await refresh();
    } catch (e) {
      setError(e as ApiError);
    }
  }
  return (
    <Card title={t('organization.settings')}>
      <Async q={q}>
        {(o) => (
          <div className="space-y-3">
            <form className="flex flex-wrap items-end gap-2" onSubmit={(e: FormEvent) => (e.preventDefault(), void patch({ name: name ?? o.name }))}>
              <div className="min-w-60 flex-1">
                <TextInput label={t('organization.name')} value={name ?? o.name} readOnly={!mayUpdate} error={error?.message} onChange={(e) => setName(e.target.value)} />
              </div>
              {mayUpdate && <Button type="submit">{t('organization.rename')}</Button>}
            </form>
            <label className="flex items-start gap-2 text-sm">
              <input type="checkbox" className="mt-1" checked={o.requireMfa} disabled={!mayUpdate} onChange={(e) => void patch({ requireMfa: e.target.checked })} />
              <span>
                {t('organization.requireMfa')}
                <span className="block text-xs text-slate-500">{t('organization.requireMfaHelp')}</span>
              </span>
            </label>
            {msg && (
              <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
                {msg}
              </p>
            )}
          </div>
        )}
      </Async>
    </Card>
  );
}

function Members() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const { me, refresh } = useSession();
  const q = useQuery<{ members: Member[] }>(orgPath(org.id, '/members'));
  const [error, setError] = useState<string>();
  // A role change waits for confirmation (it can take permissions away).
  const [change, setChange] = useState<{ m: Member; role: Role }>();
  const [changing, setChanging] = useState(false);
  const manage = can(org.role, 'members.manage');
  const applyChange = async () => {
    if (!change) return;
    setChanging(true);
    setError(undefined);
    try {
      await api.patch(orgPath(org.id, `/members/${encodeURIComponent(change.m.userId)}`), { role: change.role });
      q.reload();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setChanging(false);
      setChange(undefined);
    }
  };
  return (
    <Card title={t('organization.members')}>
      <Dialog
        open={change !== undefined}
        onClose={() => setChange(undefined)}
        title={change ? t('organization.roleChangeTitle', { email: change.m.email }) : ''}
        footer={
          <>
            <Button onClick={() => setChange(undefined)}>{t('common.cancel')}</Button>
            <Button variant="primary" pending={changing} onClick={applyChange}>
              {t('organization.roleChange')}
            </Button>
          </>
        }
      >
        {change && <p>{t('organization.roleChangeText', { from: t(`common.role_${change.m.role}`), to: t(`common.role_${change.role}`) })}</p>}
      </Dialog>
      {error && (
        <p role="alert" className="mb-2 text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
      <Async q={q} empty={(d) => d.members.length === 0}>
        {(d) => (
          <Table
            rows={d.members}
            rowKey={(m) => m.userId}
            label={t('organization.members')}
            columns={[
              { key: 'e', header: t('organization.email'), cell: (m) => <span>{m.email}{m.userId === me?.user.id && <Badge tone="indigo">{t('organization.you')}</Badge>}<span className="block text-xs text-slate-500">{m.name}</span></span> },
              {
                key: 'r',
                header: t('organization.role'),
                cell: (m) =>
                  manage && m.userId !== me?.user.id ? (
                    <select
                      aria-label={`${t('organization.role')}: ${m.email}`}
                      className="rounded-md py-1 pl-2 pr-7 text-sm ring-1 ring-slate-300 dark:bg-slate-900 dark:ring-slate-700"
                      value={m.role}
                      onChange={(e) => e.target.value !== m.role && setChange({ m, role: e.target.value as Role })}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {t(`common.role_${r}`)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <Badge>{t(`common.role_${m.role}`)}</Badge>
                  ),
              },
              { key: 'f', header: t('organization.twoFactor'), cell: (m) => <Badge tone={m.twoFactorEnabled ? 'green' : 'amber'}>{m.twoFactorEnabled ? 'ON' : 'OFF'}</Badge> },
              { key: 's', header: t('organization.since'), cell: (m) => <span className="text-xs">{formatTime(m.since, lang)}</span> },
              {
                key: 'x',
                header: '',
                cell: (m) =>
                  m.userId === me?.user.id ? (
                    <ConfirmButton label={t('organization.leave')} title={t('organization.leaveTitle')} message={t('organization.leaveText')} onConfirm={async () => (await api.del(orgPath(org.id, `/members/${encodeURIComponent(m.userId)}`)), await refresh())} />
                  ) : (
                    manage && <ConfirmButton label={t('organization.remove')} title={t('organization.removeTitle', { email: m.email })} message={t('organization.removeText')} onConfirm={async () => (await api.del(orgPath(org.id, `/members/${encodeURIComponent(m.userId)}`)), q.reload())} />
                  ),
              },
            ]}
          />
        )}
      </Async>
    </Card>
  );
}

function Invites() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const q = useQuery<{ invites: Invite[] }>(orgPath(org.id, '/invites'));
  const [form, setForm] = useState<{ email: string; role: Role }>({ email: '', role: 'viewer' });
  const [link, setLink] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const [pending, setPending] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    setLink(undefined);
    try {
      const r = await api.post<{ link: string }>(orgPath(org.id, '/invites'), form);
      setLink(r.link);
      setForm({ ...form, email: '' });
      q.reload();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setPending(false);
    }
  }
  return (
    <Card title={t('organization.invites')}>
      <form onSubmit={submit} className="mb-4 flex flex-wrap items-end gap-2">
        <div className="min-w-60 flex-1">
          <TextInput label={t('organization.email')} type="email" required value={form.email} error={error?.message} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        </div>
        <Select label={t('organization.role')} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`common.role_${r}`)}
            </option>
          ))}
        </Select>
        <Button type="submit" variant="primary" pending={pending}>
          {t('organization.invite')}
        </Button>
      </form>
      {link && (
        <p role="status" className="mb-4 rounded-md bg-indigo-50 p-3 text-sm dark:bg-indigo-950">
          {t('organization.inviteSent')} <code className="block break-all pt-1 text-xs">{link}</code>
        </p>
      )}
      <Async q={q}>
        {(d) =>
          d.invites.length === 0 ? (
            <p className="text-sm text-slate-500">{t('organization.noInvites')}</p>
          ) : (
            <Table
              rows={d.invites}
              rowKey={(i) => i.id}
              columns={[
                { key: 'e', header: t('organization.email'), cell: (i) => i.email },
                { key: 'r', header: t('organization.role'), cell: (i) => <Badge>{t(`common.role_${i.role}`)}</Badge> },
                { key: 'x', header: t('organization.expires'), cell: (i) => <span className="text-xs">{formatTime(i.expiresAt, lang)}</span> },
                { key: 'd', header: '', cell: (i) => <ConfirmButton label={t('common.revoke')} title={t('organization.revokeInviteTitle', { email: i.email })} message={t('organization.revokeInviteText')} onConfirm={async () => (await api.del(orgPath(org.id, `/invites/${encodeURIComponent(i.id)}`)), q.reload())} /> },
              ]}
            />
          )
        }
      </Async>
    </Card>
  );
}

function NewOrg() {
  const { t } = useI18n();
  const { refresh, setOrg } = useSession();
  const [name, setName] = useState('');
  const [error, setError] = useState<ApiError>();
  return (
    <Card title={t('organization.newOrg')}>
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            const r = await api.post<{ org: { id: string } }>('/v1/orgs', { name });
            await refresh();
            setOrg(r.org.id);
          } catch (err) {
            setError(err as ApiError);
          }
        }}
      >
        <div className="min-w-60 flex-1">
          <TextInput label={t('organization.name')} required value={name} error={error?.message} onChange={(e) => setName(e.target.value)} />
        </div>
        <Button type="submit">{t('organization.create')}</Button>
      </form>
    </Card>
  );
}

export default function Organization() {
  const { t } = useI18n();
  const org = useOrg();
  return (
    <>
      <PageHeader title={t('organization.title')}>{org.name}</PageHeader>
      <div className="space-y-4">
        <Settings />
        <Members />
        {can(org.role, 'invites.manage') && <Invites />}
        <NewOrg />
      </div>
    </>
  );
}
