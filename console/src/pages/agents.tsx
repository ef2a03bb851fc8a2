import { useState } from 'react';
import { api, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { can } from '../lib/roles.ts';
import { useAction, useQuery } from '../lib/use-query.ts';
import { timeAgo, formatTime } from '../lib/format.ts';
import { Async, Badge, Button, Card, ConfirmButton, Dialog, PageHeader, Table, TextInput } from '../ui/index.ts';
import { ApiKeys } from './agents-keys.tsx';
import { OnceSecret } from './agents-once.tsx';

interface Agent {
  id: string;
  name: string;
  labels: Record<string, string>;
  scopes: { servers: string[]; tools: string[] } | null;
  createdAt: string;
  lastSeenAt: string | null;
  revoked: boolean;
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/** Servers and tools, as comma-separated globs; empty means everything. */
function ScopeFields({ servers, tools, setServers, setTools, error }: { servers: string; tools: string; setServers(v: string): void; setTools(v: string): void; error?: string | undefined }) {
  const { t } = useI18n();
  return (
    <>
      <TextInput label={t('agents.scopeServers')} value={servers} onChange={(e) => setServers(e.target.value)} placeholder="github, files" hint={t('agents.scopeHint')} error={error} />
      <TextInput label={t('agents.scopeTools')} value={tools} onChange={(e) => setTools(e.target.value)} placeholder="read_file, github/get_*" hint={t('agents.scopeHint')} />
    </>
  );
}

const scopesBody = (servers: string, tools: string) => (servers.trim() || tools.trim() ? { scopes: { servers: list(servers).length ? list(servers) : ['*'], tools: list(tools).length ? list(tools) : ['*'] } } : {});

function CreateAgent({ onDone }: { onDone(token: string, name: string): void }) {
  const { t } = useI18n();
  const org = useOrg();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [servers, setServers] = useState('');
  const [tools, setTools] = useState('');
  const [days, setDays] = useState('');
  const create = useAction((body: object) => api.post<{ agent: Agent; token: string }>(orgPath(org.id, '/agents'), body));
  async function submit() {
    const r = await create.run({ name: name.trim(), ...scopesBody(servers, tools), ...(days ? { expiresInDays: Number(days) } : {}) });
    if (r) {
      setOpen(false);
      setName('');
      onDone(r.token, r.agent.name);
    }
  }
  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)} data-testid="agent-create">
        {t('agents.create')}
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title={t('agents.create')}
        footer={
          <>
            <Button onClick={() => setOpen(false)}>{t('common.cancel')}</Button>
            <Button variant="primary" pending={create.pending} disabled={!name.trim()} onClick={() => void submit()} data-testid="agent-create-submit">
              {t('agents.createSubmit')}
            </Button>
          </>
        }
      >
        <div className="space-y-3">
          <TextInput label={t('agents.name')} value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-bot" autoComplete="off" data-testid="agent-name" error={create.error?.message} />
          <ScopeFields servers={servers} tools={tools} setServers={setServers} setTools={setTools} />
          <TextInput label={t('agents.expiresInDays')} type="number" min={1} max={366} value={days} onChange={(e) => setDays(e.target.value)} hint={t('agents.expiresHint')} />
        </div>
      </Dialog>
    </>
  );
}

function EditScopes({ agent, onDone }: { agent: Agent; onDone(): void }) {
  const { t } = useI18n();
  const org = useOrg();
  const [open, setOpen] = useState(false);
  const [servers, setServers] = useState((agent.scopes?.servers ?? []).join(', '));
  const [tools, setTools] = useState((agent.scopes?.tools ?? []).join(', '));
  const save = useAction(() => api.patch(orgPath(org.id, `/agents/${agent.id}`), { scopes: { servers: list(servers).length ? list(servers) : ['*'], tools: list(tools).length ? list(tools) : ['*'] } }));
  return (
    <>
      <Button variant="ghost" onClick={() => setOpen(true)}>
        {t('agents.scopes')}
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title={t('agents.scopesOf', { name: agent.name })}
        footer={
          <>
            <Button onClick={() => setOpen(false)}>{t('common.cancel')}</Button>
            <Button variant="primary" pending={save.pending} onClick={async () => (await save.run()) !== undefined && (setOpen(false), onDone())}>
              {t('common.save')}
            </Button>
          </>
        }
      >
        <div className="space-y-3">
          <ScopeFields servers={servers} tools={tools} setServers={setServers} setTools={setTools} error={save.error?.message} />
        </div>
      </Dialog>
    </>
  );
}

export default function AgentsPage() {
  const { t, lang } = useI18n();
  const org = useOrg();
  const q = useQuery<{ agents: Agent[] }>(orgPath(org.id, '/agents'));
  const [secret, setSecret] = useState<{ value: string; title: string }>();
  const manage = can(org.role, 'agents.manage');
  const rotate = async (a: Agent) => {
    const r = await api.post<{ token: string }>(orgPath(org.id, `/agents/${a.id}/rotate`), { overlapSeconds: 0 });
    setSecret({ value: r.token, title: t('agents.tokenOf', { name: a.name }) });
  };
  const revoke = async (a: Agent) => {
    await api.del(orgPath(org.id, `/agents/${a.id}`));
    q.reload();
  };
  return (
    <>
      <PageHeader title={t('agents.title')} actions={manage && <CreateAgent onDone={(token, name) => (setSecret({ value: token, title: t('agents.tokenOf', { name }) }), q.reload())} />}>
        {t('agents.subtitle')}
      </PageHeader>
      {secret && <OnceSecret title={secret.title} value={secret.value} onClose={() => setSecret(undefined)} />}
      <div className="space-y-6">
        <Card title={t('agents.agents')}>
          <Async q={q} empty={(d) => d.agents.length === 0}>
            {(d) => (
              <Table
                label={t('agents.agents')}
                rows={d.agents}
                rowKey={(a) => a.id}
                columns={[
                  {
                    key: 'name',
                    header: t('agents.name'),
                    cell: (a) => (
                      <div className="flex flex-wrap items-center gap-1" data-testid="agent-row">
                        <span className="font-medium">{a.name}</span>
                        {a.revoked && <Badge tone="red">{t('agents.revoked')}</Badge>}
                        {Object.entries(a.labels).map(([k, v]) => (
                          <Badge key={k} tone="indigo">
                            {k}={v}
                          </Badge>
                        ))}
                      </div>
                    ),
                  },
                  {
                    key: 'scopes',
                    header: t('agents.scopes'),
                    cell: (a) => (!a.scopes || (a.scopes.servers.join() === '*' && a.scopes.tools.join() === '*') ? t('agents.scopeAll') : <code className="text-xs">{`${a.scopes.servers.join(', ')} / ${a.scopes.tools.join(', ')}`}</code>),
                  },
                  { key: 'seen', header: t('agents.lastSeen'), cell: (a) => <span title={formatTime(a.lastSeenAt, lang)} data-testid="agent-last-seen">{a.lastSeenAt ? timeAgo(a.lastSeenAt, lang) : t('common.never')}</span> },
                  { key: 'created', header: t('agents.created'), cell: (a) => formatTime(a.createdAt, lang) },
                  {
                    key: 'act',
                    header: '',
                    cell: (a) =>
                      manage &&
                      !a.revoked && (
                        <div className="flex flex-wrap gap-2">
                          <EditScopes agent={a} onDone={q.reload} />
                          <ConfirmButton variant="primary" label={t('agents.rotate')} title={t('agents.rotateTitle', { name: a.name })} message={t('agents.rotateBody')} confirmLabel={t('agents.rotate')} onConfirm={() => rotate(a)} />
                          <ConfirmButton label={t('common.revoke')} title={t('agents.revokeTitle', { name: a.name })} message={t('agents.revokeBody')} confirmLabel={t('common.revoke')} onConfirm={() => revoke(a)} />
                        </div>
                      ),
                  },
                ]}
              />
            )}
          </Async>
        </Card>
        {can(org.role, 'apikeys.manage') && <ApiKeys onSecret={(value, title) => setSecret({ value, title })} />}
      </div>
    </>
  );
}
