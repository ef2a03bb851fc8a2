import { useState } from 'react';
import { api, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { can } from '../lib/roles.ts';
import { useQuery } from '../lib/use-query.ts';
import { Badge, Button, Card, EmptyState, Table } from '../ui/index.ts';
import { AsyncOrMissing } from '../ui/Unavailable.tsx';
import type { SecretView } from './secrets.tsx';

/**
 * Vault as this org uses it: the secrets read from Vault and whether each resolves now
 * (a check is audited and returns only the outcome). FlowLink has no Vault status route
 * of its own; the secrets API is the source.
 */
export function VaultStatus() {
  const { t } = useI18n();
  const org = useOrg();
  const q = useQuery<{ secrets: SecretView[] }>(orgPath(org.id, '/secrets'));
  const [state, setState] = useState<Record<string, { ok: boolean; reason: string | null } | 'checking'>>({});
  const check = async (name: string) => {
    setState((s) => ({ ...s, [name]: 'checking' }));
    try {
      const r = await api.post<{ resolvable: boolean; reason: string | null }>(orgPath(org.id, `/secrets/${encodeURIComponent(name)}/check`));
      setState((s) => ({ ...s, [name]: { ok: r.resolvable, reason: r.reason } }));
    } catch (e) {
      setState((s) => ({ ...s, [name]: { ok: false, reason: (e as Error).message } }));
    }
  };
  return (
    <Card title={t('integrations.vaultTitle')}>
      <AsyncOrMissing q={q} what={t('integrations.vaultTitle')}>
        {(d) => {
          const vault = d.secrets.filter((s) => s.backend === 'vault');
          if (!vault.length) return <EmptyState title={t('integrations.vaultNone')} />;
          return (
            <Table
              label={t('integrations.vaultTitle')}
              rows={vault}
              rowKey={(s) => s.name}
              columns={[
                { key: 'n', header: t('integrations.secret'), cell: (s) => <code>{s.name}</code> },
                { key: 'r', header: t('integrations.vaultPath'), cell: (s) => <code className="break-all text-xs">{s.reference ?? '—'}</code> },
                {
                  key: 'st',
                  header: t('integrations.state'),
                  cell: (s) => {
                    const st = state[s.name];
                    if (!st) return '—';
                    if (st === 'checking') return t('common.loading');
                    return st.ok ? <Badge tone="green">{t('integrations.resolves')}</Badge> : <Badge tone="red" title={st.reason ?? ''}>{t('integrations.fails')}</Badge>;
                  },
                },
                { key: 'a', header: '', cell: (s) => can(org.role, 'secrets.manage') && <Button variant="ghost" onClick={() => void check(s.name)}>{t('integrations.check')}</Button> },
              ]}
            />
          );
        }}
      </AsyncOrMissing>
    </Card>
  );
}
