import { orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { useQuery } from '../lib/use-query.ts';
import { formatTime } from '../lib/format.ts';
import { Async, Badge, Card, Table } from '../ui/index.ts';

interface Version {
  version: number;
  backend: string;
  reference: string | null;
  createdAt: string;
  createdBy: string;
  erased: boolean;
}

interface Use {
  at: string;
  callId: string | null;
  agentName: string | null;
  server: string;
  tool: string | null;
  method: string;
  version: number | null;
}

/** A secret's versions (who and when) and its recent uses; never a value. */
export function SecretHistory({ name }: { name: string }) {
  const { t, lang } = useI18n();
  const org = useOrg();
  const versions = useQuery<{ versions: Version[] }>(orgPath(org.id, `/secrets/${encodeURIComponent(name)}/versions`));
  const uses = useQuery<{ uses: Use[] }>(orgPath(org.id, `/secrets/${encodeURIComponent(name)}/usage`), { limit: 50 });
  return (
    <div className="grid gap-4 lg:grid-cols-2" data-testid="secret-history">
      <Card title={t('secrets.versionsOf', { name })}>
        <Async q={versions} empty={(d) => d.versions.length === 0}>
          {(d) => (
            <Table
              rows={d.versions}
              rowKey={(v) => String(v.version)}
              columns={[
                { key: 'v', header: t('secrets.version'), cell: (v) => <span>v{v.version} {v.erased && <Badge>{t('secrets.erased')}</Badge>}</span> },
                { key: 'b', header: t('secrets.backend'), cell: (v) => <span>{t(`secrets.backend_${v.backend}`)} {v.reference && <code className="text-xs">{v.reference}</code>}</span> },
                { key: 'who', header: t('secrets.by'), cell: (v) => <span className="text-xs">{v.createdBy}</span> },
                { key: 'at', header: t('secrets.when'), cell: (v) => formatTime(v.createdAt, lang) },
              ]}
            />
          )}
        </Async>
      </Card>
      <Card title={t('secrets.usesOf', { name })}>
        <Async q={uses} empty={(d) => d.uses.length === 0}>
          {(d) => (
            <Table
              rows={d.uses}
              rowKey={(u) => `${u.at}-${u.callId ?? ''}-${u.method}`}
              columns={[
                { key: 'at', header: t('secrets.when'), cell: (u) => formatTime(u.at, lang) },
                { key: 'agent', header: t('secrets.agent'), cell: (u) => u.agentName ?? '—' },
                { key: 'where', header: t('secrets.where'), cell: (u) => <code className="text-xs">{u.server}{u.tool ? `/${u.tool}` : ''}</code> },
                { key: 'how', header: t('secrets.how'), cell: (u) => t(`secrets.method_${u.method}`) },
                { key: 'ver', header: t('secrets.version'), cell: (u) => (u.version ? `v${u.version}` : '—') },
              ]}
            />
          )}
        </Async>
      </Card>
    </div>
  );
}
