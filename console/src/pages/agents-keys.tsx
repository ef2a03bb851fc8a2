import { useState } from 'react';
import { api, orgPath, type Role } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { useAction, useQuery } from '../lib/use-query.ts';
import { formatTime, timeAgo } from '../lib/format.ts';
import { Async, Badge, Button, Card, ConfirmButton, Dialog, Select, Table, TextInput } from '../ui/index.ts';

interface ApiKey {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  revoked: boolean;
  lastUsedAt: string | null;
}

const KEY_ROLES: Role[] = ['admin', 'approver', 'auditor', 'viewer'];

/** API keys for automation (the CLI and scripts): created with a role, secret shown once, revoked at once. */
export function ApiKeys({ onSecret }: { onSecret(value: string, title: string): void }) {
  const { t, lang } = useI18n();
  const org = useOrg();
  const q = useQuery<{ apiKeys: ApiKey[] }>(orgPath(org.id, '/api-keys'));
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [days, setDays] = useState('90');
  const create = useAction((body: object) => api.post<{ apiKey: ApiKey; secret: string }>(orgPath(org.id, '/api-keys'), body));
  async function submit() {
    const r = await create.run({ name: name.trim(), role, ...(days ? { expiresInDays: Number(days) } : {}) });
    if (r) {
      setOpen(false);
      setName('');
      onSecret(r.secret, t('agents.keyOf', { name: r.apiKey.name }));
      q.reload();
    }
  }
  return (
    <Card title={t('agents.apiKeys')} actions={<Button onClick={() => setOpen(true)}>{t('agents.createKey')}</Button>}>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title={t('agents.createKey')}
        footer={
          <>
            <Button onClick={() => setOpen(false)}>{t('common.cancel')}</Button>
            <Button variant="primary" pending={create.pending} disabled={!name.trim()} onClick={() => void submit()}>
              {t('agents.createSubmit')}
            </Button>
          </>
        }
      >
        <div className="space-y-3">
          <TextInput label={t('agents.keyName')} value={name} onChange={(e) => setName(e.target.value)} placeholder="ci" error={create.error?.message} />
          <Select label={t('agents.keyRole')} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {KEY_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`common.role_${r}`)}
              </option>
            ))}
          </Select>
          <TextInput label={t('agents.expiresInDays')} type="number" min={1} max={366} value={days} onChange={(e) => setDays(e.target.value)} hint={t('agents.expiresHint')} />
        </div>
      </Dialog>
      <Async q={q} empty={(d) => d.apiKeys.length === 0}>
        {(d) => (
          <Table
            label={t('agents.apiKeys')}
            rows={d.apiKeys}
            rowKey={(k) => k.id}
            columns={[
              {
                key: 'name',
                header: t('agents.keyName'),
                cell: (k) => (
                  <div className="flex flex-wrap items-center gap-1">
                    <span className="font-medium">{k.name}</span>
                    <code className="text-xs text-slate-500">{k.prefix}…</code>
                    {k.revoked && <Badge tone="red">{t('agents.revoked')}</Badge>}
                  </div>
                ),
              },
              { key: 'role', header: t('agents.keyRole'), cell: (k) => t(`common.role_${k.role}`) },
              { key: 'used', header: t('agents.lastUsed'), cell: (k) => (k.lastUsedAt ? timeAgo(k.lastUsedAt, lang) : t('common.never')) },
              { key: 'exp', header: t('agents.expires'), cell: (k) => formatTime(k.expiresAt, lang) },
              {
                key: 'act',
                header: '',
                cell: (k) =>
                  !k.revoked && (
                    <ConfirmButton
                      label={t('common.revoke')}
                      title={t('agents.revokeKeyTitle', { name: k.name })}
                      message={t('agents.revokeKeyBody')}
                      confirmLabel={t('common.revoke')}
                      onConfirm={async () => {
                        await api.del(orgPath(org.id, `/api-keys/${k.id}`));
                        q.reload();
                      }}
                    />
                  ),
              },
            ]}
          />
        )}
      </Async>
    </Card>
  );
}
