import { useState } from 'react';
import { api, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { can } from '../lib/roles.ts';
import { useAction, useQuery } from '../lib/use-query.ts';
import { formatTime, timeAgo } from '../lib/format.ts';
import { Badge, Button, Card, ConfirmButton, Dialog, PageHeader, Table, TextInput } from '../ui/index.ts';
import { AsyncOrMissing } from '../ui/Unavailable.tsx';
import { SecretHistory } from './secrets-history.tsx';

export interface SecretView {
  name: string;
  version: number;
  backend: 'builtin' | 'vault' | 'env' | 'file';
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  reference: string | null;
  lastUsedAt: string | null;
  useCount: number;
}

/**
 * Sets a value through a write-only field: the value goes to the server once and is
 * cleared from the form; nothing on this page can read a value back.
 */
function SetValue({ name, onDone, label }: { name?: string; onDone(): void; label: string }) {
  const { t } = useI18n();
  const org = useOrg();
  const [open, setOpen] = useState(false);
  const [secretName, setSecretName] = useState(name ?? '');
  const [value, setValue] = useState('');
  const save = useAction(() => api.put<{ version: number }>(orgPath(org.id, `/secrets/${encodeURIComponent(secretName.trim())}`), { value }));
  const close = () => {
    setValue('');
    setOpen(false);
  };
  return (
    <>
      <Button variant={name ? 'secondary' : 'primary'} onClick={() => (save.setError(undefined), setOpen(true))} data-testid={name ? `secret-set-${name}` : 'secret-new'}>
        {label}
      </Button>
      <Dialog
        open={open}
        onClose={close}
        title={name ? t('secrets.newVersionOf', { name }) : t('secrets.newSecret')}
        footer={
          <>
            <Button onClick={close}>{t('common.cancel')}</Button>
            <Button
              variant="primary"
              pending={save.pending}
              disabled={!secretName.trim() || !value}
              data-testid="secret-save"
              onClick={async () => {
                if ((await save.run()) !== undefined) {
                  close();
                  onDone();
                }
              }}
            >
              {t('common.save')}
            </Button>
          </>
        }
      >
        <form className="space-y-3" onSubmit={(e) => e.preventDefault()} autoComplete="off">
          {!name && <TextInput label={t('secrets.name')} value={secretName} onChange={(e) => setSecretName(e.target.value)} placeholder="GITHUB_TOKEN" data-testid="secret-name" />}
          <TextInput label={t('secrets.value')} type="password" autoComplete="new-password" value={value} onChange={(e) => setValue(e.target.value)} hint={t('secrets.writeOnly')} error={save.error?.message} data-testid="secret-value" />
        </form>
      </Dialog>
    </>
  );
}

export default function SecretsPage() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const q = useQuery<{ secrets: SecretView[] }>(orgPath(org.id, '/secrets'));
  const [open, setOpen] = useState<string>();
  const [checked, setChecked] = useState<Record<string, string>>({});
  const manage = can(org.role, 'secrets.manage');
  const check = async (name: string) => {
    try {
      const r = await api.post<{ resolvable: boolean; reason: string | null }>(orgPath(org.id, `/secrets/${encodeURIComponent(name)}/check`));
      setChecked((c) => ({ ...c, [name]: r.resolvable ? t('secrets.checkOk') : t('secrets.checkFail', { reason: r.reason ?? '—' }) }));
    } catch (e) {
      setChecked((c) => ({ ...c, [name]: (e as Error).message }));
    }
  };
  return (
    <>
      <PageHeader title={t('secrets.title')} actions={manage && <SetValue label={t('secrets.newSecret')} onDone={q.reload} />}>
        {t('secrets.subtitle')}
      </PageHeader>
      <Card>
        <AsyncOrMissing q={q} what={t('secrets.title')} empty={(d) => d.secrets.length === 0}>
          {(d) => (
            <div className="space-y-4">
              <Table
                label={t('secrets.title')}
                rows={d.secrets}
                rowKey={(s) => s.name}
                columns={[
                  { key: 'name', header: t('secrets.name'), cell: (s) => <code data-testid="secret-row">{s.name}</code> },
                  { key: 'backend', header: t('secrets.backend'), cell: (s) => <div><Badge tone={s.backend === 'builtin' ? 'indigo' : 'slate'}>{t(`secrets.backend_${s.backend}`)}</Badge>{s.reference && <code className="ml-1 break-all text-xs text-slate-500">{s.reference}</code>}</div> },
                  { key: 'ver', header: t('secrets.version'), cell: (s) => <span data-testid={`secret-version-${s.name}`}>v{s.version}</span> },
                  { key: 'upd', header: t('secrets.updated'), cell: (s) => formatTime(s.updatedAt, lang) },
                  { key: 'use', header: t('secrets.usage'), cell: (s) => (s.useCount ? t('secrets.uses', { n: s.useCount, when: timeAgo(s.lastUsedAt, lang) }) : t('secrets.unused')) },
                  {
                    key: 'act',
                    header: '',
                    cell: (s) => (
                      <div className="flex flex-wrap items-center gap-2">
                        <Button variant="ghost" aria-expanded={open === s.name} onClick={() => setOpen(open === s.name ? undefined : s.name)}>
                          {t('secrets.history')}
                        </Button>
                        {manage && s.backend === 'builtin' && <SetValue name={s.name} label={t('secrets.setValue')} onDone={q.reload} />}
                        {manage && <Button variant="ghost" onClick={() => void check(s.name)}>{t('secrets.check')}</Button>}
                        {manage && (
                          <ConfirmButton
                            label={t('common.delete')}
                            title={t('secrets.deleteTitle', { name: s.name })}
                            message={t('secrets.deleteBody')}
                            confirmLabel={t('common.delete')}
                            onConfirm={async () => {
                              await api.del(`${orgPath(org.id, `/secrets/${encodeURIComponent(s.name)}`)}?confirm=${encodeURIComponent(s.name)}`);
                              q.reload();
                            }}
                          />
                        )}
                        {checked[s.name] && <span className="text-xs" role="status">{checked[s.name]}</span>}
                      </div>
                    ),
                  },
                ]}
              />
              {open && <SecretHistory name={open} />}
            </div>
          )}
        </AsyncOrMissing>
      </Card>
    </>
  );
}
