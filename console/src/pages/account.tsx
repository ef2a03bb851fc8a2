import { useState, type FormEvent } from 'react';
import { api, ApiError, type SessionInfo } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { timeAgo } from '../lib/format.ts';
import { useQueryParams } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useQuery } from '../lib/use-query.ts';
import { Async, Badge, Button, Card, ConfirmButton, PageHeader, Qr, Table, TextInput } from '../ui/index.ts';

function TwoFactor() {
  const { t } = useI18n();
  const { me, refresh } = useSession();
  const [setup, setSetup] = useState<{ secret: string; uri: string }>();
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[]>();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const [off, setOff] = useState({ password: '', code: '' });
  const [copied, setCopied] = useState(false);
  const enabled = me?.user.twoFactorEnabled;

  async function start() {
    setPending(true);
    setError(undefined);
    try {
      setSetup(await api.post('/v1/me/2fa/setup'));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setPending(false);
    }
  }
  async function enable(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      const r = await api.post<{ recoveryCodes: string[] }>('/v1/me/2fa/enable', { code: code.replace(/\s+/g, '') });
      setCodes(r.recoveryCodes);
      setSetup(undefined);
      setCode('');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setPending(false);
    }
  }

  if (codes) {
    return (
      <Card title={t('account.recoveryTitle')}>
        <p className="mb-3 text-sm">{t('account.recoveryHelp')}</p>
        <ul data-testid="recovery-codes" className="mb-3 grid grid-cols-2 gap-1 font-mono text-sm sm:grid-cols-4">
          {codes.map((c) => (
            <li key={c} className="rounded bg-slate-100 px-2 py-1 dark:bg-slate-800">
              {c}
            </li>
          ))}
        </ul>
        <div className="flex gap-2">
          <Button onClick={() => void navigator.clipboard?.writeText(codes.join('\n')).then(() => setCopied(true))}>{copied ? t('account.copied') : t('account.copy')}</Button>
          <Button variant="primary" data-testid="recovery-done" onClick={() => (setCodes(undefined), void refresh())}>
            {t('account.recoveryDone')}
          </Button>
        </div>
      </Card>
    );
  }
  return (
    <Card title={t('account.twoFactor')}>
      <div className="mb-3 flex items-center gap-2">
        <Badge tone={enabled ? 'green' : 'amber'}>{enabled ? 'ON' : 'OFF'}</Badge>
        <p className="text-sm">{enabled ? t('account.tfaOn') : t('account.tfaOff')}</p>
      </div>
      {!enabled && !setup && (
        <Button variant="primary" data-testid="tfa-start" pending={pending} onClick={() => void start()}>
          {t('account.tfaStart')}
        </Button>
      )}
      {setup && (
        <form onSubmit={enable} className="space-y-3">
          <p className="text-sm">{t('account.tfaScan')}</p>
          <div className="flex flex-wrap items-start gap-4">
            <Qr text={setup.uri} label={t('account.tfaQr')} />
            <div className="min-w-0 flex-1 space-y-3">
              <p className="text-sm">
                {t('account.tfaKey')}: <code data-testid="tfa-secret" className="break-all rounded bg-slate-100 px-1 dark:bg-slate-800">{setup.secret}</code>
              </p>
              <TextInput label={t('account.tfaCode')} name="code" inputMode="numeric" autoComplete="one-time-code" required value={code} error={error} onChange={(e) => setCode(e.target.value)} />
              <Button type="submit" variant="primary" pending={pending}>
                {t('account.tfaEnable')}
              </Button>
            </div>
          </div>
        </form>
      )}
      {enabled && (
        <ConfirmButton
          label={t('account.tfaDisable')}
          title={t('account.tfaDisableTitle')}
          message={t('account.tfaDisableText')}
          confirmLabel={t('account.tfaDisableConfirm')}
          onConfirm={async () => {
            const c = off.code.trim();
            await api.post('/v1/me/2fa/disable', { password: off.password, ...(/^\d{6}$/.test(c) ? { code: c } : { recoveryCode: c }) });
            setOff({ password: '', code: '' });
            await refresh();
          }}
        >
          <TextInput label={t('auth.password')} type="password" autoComplete="current-password" value={off.password} onChange={(e) => setOff({ ...off, password: e.target.value })} />
          <TextInput label={t('auth.code')} autoComplete="one-time-code" value={off.code} onChange={(e) => setOff({ ...off, code: e.target.value })} />
        </ConfirmButton>
      )}
      {error && !setup && (
        <p role="alert" className="mt-2 text-sm text-red-600">
          {error}
        </p>
      )}
    </Card>
  );
}

interface Identity {
  id: string;
  provider: string;
  login: string | null;
  email: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Providers linked to the account (GitHub, Yandex, VK ID): link more, unlink. Hidden when the server has no OAuth. */
function Identities() {
  const { t, lang } = useI18n();
  const params = useQueryParams();
  const q = useQuery<{ identities: Identity[]; passwordSet: boolean; providers: { id: string; label: string }[] }>('/v1/me/identities');
  const [error, setError] = useState<string>();
  if (q.error?.status === 404) return null;
  const label = (id: string) => q.data?.providers.find((p) => p.id === id)?.label ?? id;
  const linked = params.get('linked');
  const oauthError = params.get('error');
  return (
    <Card title={t('account.identities')}>
      <p className="mb-3 text-sm text-slate-500">{t('account.identitiesHelp')}</p>
      {linked && (
        <p role="status" className="mb-3 text-sm text-emerald-700 dark:text-emerald-400">
          {t('account.linkedOk', { name: label(linked) })}
        </p>
      )}
      {oauthError && (
        <p role="alert" className="mb-3 text-sm text-red-600 dark:text-red-400">
          {t(`auth.oauth_${oauthError}`) === `auth.oauth_${oauthError}` ? oauthError : t(`auth.oauth_${oauthError}`)}
        </p>
      )}
      <Async q={q}>
        {(d) => (
          <div className="space-y-3">
            {!d.passwordSet && <p className="text-sm text-amber-700 dark:text-amber-400">{t('account.passwordNotSet')}</p>}
            {d.identities.length === 0 ? (
              <p className="text-sm text-slate-500">{t('account.noIdentities')}</p>
            ) : (
              <Table
                rows={d.identities}
                rowKey={(i) => i.id}
                columns={[
                  { key: 'p', header: t('account.provider'), cell: (i) => label(i.provider) },
                  { key: 'l', header: t('account.login'), cell: (i) => i.login ?? i.email ?? '—' },
                  { key: 'c', header: t('account.linked'), cell: (i) => timeAgo(i.createdAt, lang) },
                  { key: 'u', header: t('account.lastUsed'), cell: (i) => (i.lastUsedAt ? timeAgo(i.lastUsedAt, lang) : t('common.never')) },
                  { key: 'x', header: '', cell: (i) => <ConfirmButton label={t('account.unlink')} title={t('account.unlinkTitle', { name: label(i.provider) })} message={t('account.unlinkText')} confirmLabel={t('account.unlink')} onConfirm={async () => (await api.del(`/v1/me/identities/${encodeURIComponent(i.id)}`), q.reload())} /> },
                ]}
              />
            )}
            <div className="flex flex-wrap gap-2">
              {d.providers
                .filter((p) => !d.identities.some((i) => i.provider === p.id))
                .map((p) => (
                  <Button
                    key={p.id}
                    onClick={async () => {
                      setError(undefined);
                      try {
                        const r = await api.post<{ authorizationUrl: string }>(`/v1/me/identities/${encodeURIComponent(p.id)}/link`);
                        window.location.assign(r.authorizationUrl);
                      } catch (e) {
                        setError((e as Error).message);
                      }
                    }}
                  >
                    {t('account.link', { name: p.label })}
                  </Button>
                ))}
            </div>
            {error && (
              <p role="alert" className="text-sm text-red-600 dark:text-red-400">
                {error}
              </p>
            )}
          </div>
        )}
      </Async>
    </Card>
  );
}

function Sessions() {
  const { t, lang } = useI18n();
  const q = useQuery<{ sessions: SessionInfo[] }>('/v1/me/sessions');
  return (
    <Card title={t('account.sessions')}>
      <p className="mb-3 text-sm text-slate-500">{t('account.sessionsHelp')}</p>
      <Async q={q} empty={(d) => d.sessions.length === 0}>
        {(d) => (
          <Table
            rows={d.sessions}
            rowKey={(s) => s.id}
            label={t('account.sessions')}
            columns={[
              { key: 'ua', header: t('account.device'), cell: (s) => <span className="line-clamp-2 max-w-xs text-xs">{s.userAgent || '—'}</span> },
              { key: 'ip', header: t('account.ip'), cell: (s) => <code className="text-xs">{s.ip}</code> },
              { key: 'seen', header: t('account.lastSeen'), cell: (s) => timeAgo(s.lastSeenAt, lang) },
              {
                key: 'x',
                header: '',
                cell: (s) =>
                  s.current ? (
                    <Badge tone="indigo">{t('account.current')}</Badge>
                  ) : (
                    <ConfirmButton label={t('common.revoke')} title={t('account.revokeTitle')} message={t('account.revokeText')} confirmLabel={t('common.revoke')} onConfirm={async () => (await api.del(`/v1/me/sessions/${encodeURIComponent(s.id)}`), q.reload())} />
                  ),
              },
            ]}
          />
        )}
      </Async>
    </Card>
  );
}

function Password() {
  const { t } = useI18n();
  const [f, setF] = useState({ currentPassword: '', newPassword: '' });
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    setDone(false);
    try {
      await api.post('/v1/me/password', f);
      setF({ currentPassword: '', newPassword: '' });
      setDone(true);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setPending(false);
    }
  }
  const current = error && /current/i.test(error.message) ? error.message : undefined;
  return (
    <Card title={t('account.password')}>
      <form onSubmit={submit} className="max-w-sm space-y-3">
        <TextInput label={t('account.currentPassword')} type="password" autoComplete="current-password" required value={f.currentPassword} error={current} onChange={(e) => setF({ ...f, currentPassword: e.target.value })} />
        <TextInput label={t('account.newPassword')} type="password" autoComplete="new-password" required value={f.newPassword} error={error && !current ? error.message : undefined} onChange={(e) => setF({ ...f, newPassword: e.target.value })} />
        <Button type="submit" pending={pending}>
          {t('account.changePassword')}
        </Button>
        {done && (
          <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
            {t('account.passwordChanged')}
          </p>
        )}
      </form>
    </Card>
  );
}

export default function Account() {
  const { t } = useI18n();
  const { me } = useSession();
  return (
    <>
      <PageHeader title={t('account.title')}>
        {me?.user.name ? `${me.user.name} · ` : ''}
        {me?.user.email}
      </PageHeader>
      <div className="space-y-4">
        <TwoFactor />
        <Identities />
        <Sessions />
        <Password />
      </div>
    </>
  );
}
