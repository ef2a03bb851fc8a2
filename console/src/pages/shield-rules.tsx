import { useState } from 'react';
import { api, orgPath } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { useAction, useQuery } from '../lib/use-query.ts';
import { Badge, Button, Card, ConfirmButton, ErrorState, inputClass, Table, TextInput } from '../ui/index.ts';
import { AsyncOrMissing } from '../ui/Unavailable.tsx';
import { SEVERITY_TONE } from './shield-parts.tsx';

interface PackView {
  name: string;
  enabled: boolean;
  rules: number;
  enabledRules: number;
  source: 'default' | 'org';
}

interface RuleView {
  id: string;
  pack: string;
  kind: 'command' | 'sql' | 'tool';
  severity: string;
  effectiveSeverity: string;
  enabled: boolean;
  source: 'default' | 'config' | 'org';
  explanation: string;
}

interface RulesAnswer {
  packs: PackView[];
  rules: RuleView[];
}

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];

/** The rules of one pack: on/off, severity override, reset to the installation's setting. */
function PackRules({ rules, manage, apply }: { rules: RuleView[]; manage: boolean; apply: (p: Promise<RulesAnswer>) => Promise<void> }) {
  const t = useT();
  const org = useOrg();
  const put = (id: string, body: object) => apply(api.put<RulesAnswer>(orgPath(org.id, `/shield/rules/${encodeURIComponent(id)}`), body));
  return (
    <Table
      label={t('shield.rulesOf')}
      rows={rules}
      rowKey={(r) => r.id}
      columns={[
        {
          key: 'id',
          header: t('shield.rule'),
          cell: (r) => (
            <div>
              <code className="text-xs">{r.id}</code>
              <p className="text-xs text-slate-500">{r.explanation}</p>
            </div>
          ),
        },
        {
          key: 'sev',
          header: t('shield.severity'),
          cell: (r) =>
            manage ? (
              <select aria-label={t('shield.severityOf', { rule: r.id })} className={`${inputClass} w-32`} value={r.effectiveSeverity} onChange={(e) => void put(r.id, { severity: e.target.value })}>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {t(`shield.sev_${s}`)}
                  </option>
                ))}
              </select>
            ) : (
              <Badge tone={SEVERITY_TONE[r.effectiveSeverity] ?? 'slate'}>{t(`shield.sev_${r.effectiveSeverity}`)}</Badge>
            ),
        },
        { key: 'state', header: t('shield.state'), cell: (r) => <Badge tone={r.enabled ? 'green' : 'slate'}>{t(r.enabled ? 'shield.on' : 'shield.off')}</Badge> },
        { key: 'src', header: t('shield.source'), cell: (r) => t(`shield.source_${r.source}`) },
        {
          key: 'act',
          header: '',
          cell: (r) =>
            manage && (
              <div className="flex flex-wrap gap-2">
                {r.enabled ? (
                  <ConfirmButton label={t('shield.turnOff')} title={t('shield.ruleOffTitle', { rule: r.id })} message={t('shield.ruleOffBody')} confirmLabel={t('shield.turnOff')} onConfirm={() => put(r.id, { enabled: false })} />
                ) : (
                  <Button onClick={() => void put(r.id, { enabled: true })}>{t('shield.turnOn')}</Button>
                )}
                {r.source === 'org' && <Button variant="ghost" onClick={() => void apply(api.del<RulesAnswer>(orgPath(org.id, `/shield/rules/${encodeURIComponent(r.id)}`)))}>{t('shield.reset')}</Button>}
              </div>
            ),
        },
      ]}
    />
  );
}

/** Rule packs as this org's calls are judged; owners and admins switch packs and rules per org. */
export function ShieldRules({ manage }: { manage: boolean }) {
  const t = useT();
  const org = useOrg();
  const q = useQuery<RulesAnswer>(orgPath(org.id, '/shield/packs'));
  const [open, setOpen] = useState<string>();
  const [filter, setFilter] = useState('');
  const change = useAction((p: Promise<RulesAnswer>) => p);
  async function apply(p: Promise<RulesAnswer>) {
    const r = await change.run(p);
    if (r) q.set(() => r);
  }
  const setPack = (name: string, enabled: boolean) => apply(api.put<RulesAnswer>(orgPath(org.id, `/shield/packs/${encodeURIComponent(name)}`), { enabled }));
  return (
    <Card title={t('shield.packsTitle')}>
      {change.error && <div className="mb-3"><ErrorState error={change.error} /></div>}
      <AsyncOrMissing q={q} empty={(d) => d.packs.length === 0}>
        {(d) => (
          <div className="space-y-3">
            <TextInput label={t('shield.filterRules')} value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="git.force-push" />
            <Table
              label={t('shield.packsTitle')}
              rows={d.packs}
              rowKey={(p) => p.name}
              columns={[
                { key: 'name', header: t('shield.pack'), cell: (p) => <code>{p.name}</code> },
                { key: 'state', header: t('shield.state'), cell: (p) => <Badge tone={p.enabled ? 'green' : 'slate'}>{t(p.enabled ? 'shield.on' : 'shield.off')}</Badge> },
                { key: 'rules', header: t('shield.rulesOn'), cell: (p) => `${p.enabledRules} / ${p.rules}` },
                {
                  key: 'act',
                  header: '',
                  cell: (p) => (
                    <div className="flex flex-wrap gap-2">
                      <Button variant="ghost" aria-expanded={open === p.name} onClick={() => setOpen(open === p.name ? undefined : p.name)}>
                        {t(open === p.name ? 'shield.hideRules' : 'shield.showRules')}
                      </Button>
                      {manage &&
                        (p.enabled ? (
                          <ConfirmButton label={t('shield.turnOff')} title={t('shield.packOffTitle', { pack: p.name })} message={t('shield.packOffBody', { n: p.rules })} confirmLabel={t('shield.turnOff')} onConfirm={() => setPack(p.name, false)} />
                        ) : (
                          <Button onClick={() => void setPack(p.name, true)}>{t('shield.turnOn')}</Button>
                        ))}
                    </div>
                  ),
                },
              ]}
            />
            {(open || filter.trim()) && (
              <PackRules rules={d.rules.filter((r) => (filter.trim() ? r.id.includes(filter.trim()) : r.pack === open))} manage={manage} apply={apply} />
            )}
          </div>
        )}
      </AsyncOrMissing>
    </Card>
  );
}
