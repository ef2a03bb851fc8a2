import { useState } from 'react';
import { api, orgPath, type ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { useOrg } from '../lib/session.tsx';
import { can } from '../lib/roles.ts';
import { useAction } from '../lib/use-query.ts';
import { Badge, Button, Card, ErrorState, Json, PageHeader, RiskBadge, Select, TextArea, VerdictBadge } from '../ui/index.ts';
import { ShieldRules } from './shield-rules.tsx';
import { badgeVerdict, ReasonsTable, SEVERITY_TONE, type Reason } from './shield-parts.tsx';
import { ShieldPins, ShieldFindings } from './shield-pins.tsx';

interface Analysis {
  verdict: 'allow' | 'approve' | 'block';
  risk: number;
  severity: string;
  reasons: Reason[];
  targets: { kind: string; value: string }[];
  explain?: unknown;
}

/** The test box: paste a command or SQL, see what Shield would say for this org. Nothing runs. */
function TestBox() {
  const t = useT();
  const org = useOrg();
  const [kind, setKind] = useState<'command' | 'sql'>('command');
  const [text, setText] = useState('');
  const [result, setResult] = useState<Analysis>();
  const analyze = useAction((body: Record<string, unknown>) => api.post<Analysis>(orgPath(org.id, '/shield/analyze'), body));
  async function run() {
    setResult(undefined);
    const r = await analyze.run({ [kind]: text, explain: true });
    if (r) setResult(r);
  }
  return (
    <Card title={t('shield.testTitle')}>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div className="grid gap-3 sm:grid-cols-[10rem_1fr]">
          <Select label={t('shield.inputKind')} value={kind} onChange={(e) => setKind(e.target.value as 'command' | 'sql')} data-testid="shield-kind">
            <option value="command">{t('shield.kindCommand')}</option>
            <option value="sql">{t('shield.kindSql')}</option>
          </Select>
          <TextArea label={t('shield.input')} rows={3} value={text} onChange={(e) => setText(e.target.value)} placeholder={kind === 'command' ? 'rm -rf /' : 'DELETE FROM users'} data-testid="shield-input" spellCheck={false} style={{ fontFamily: "ui-monospace, monospace" }} hint={t('shield.testHint')} />
        </div>
        <Button type="submit" variant="primary" pending={analyze.pending} disabled={!text.trim()} data-testid="shield-analyze">
          {t('shield.analyze')}
        </Button>
      </form>
      {analyze.error && <div className="mt-3"><ErrorState error={analyze.error as ApiError} /></div>}
      {result && (
        <div className="mt-4 space-y-3" data-testid="shield-result">
          <div className="flex flex-wrap items-center gap-2">
            <span data-testid="shield-verdict" data-verdict={result.verdict}>
              <VerdictBadge verdict={badgeVerdict(result.verdict)} />
            </span>
            <RiskBadge risk={result.risk} />
            <Badge tone={SEVERITY_TONE[result.severity] ?? 'slate'}>{t(`shield.sev_${result.severity}`)}</Badge>
          </div>
          {result.reasons.length ? <ReasonsTable reasons={result.reasons} /> : <p className="text-sm text-slate-500">{t('shield.noReasons')}</p>}
          {result.targets.length > 0 && (
            <p className="text-sm">
              <span className="font-medium">{t('shield.targets')}: </span>
              {result.targets.map((x, i) => (
                <code key={i} className="mr-2 text-xs">
                  {x.kind}:{x.value}
                </code>
              ))}
            </p>
          )}
          {result.explain !== undefined && (
            <details>
              <summary className="cursor-pointer text-sm">{t('shield.details')}</summary>
              <Json value={result.explain} />
            </details>
          )}
        </div>
      )}
    </Card>
  );
}

export default function ShieldPage() {
  const t = useT();
  const org = useOrg();
  const manage = can(org.role, 'shield.manage');
  return (
    <>
      <PageHeader title={t('shield.title')}>{t('shield.subtitle')}</PageHeader>
      <div className="space-y-6">
        <TestBox />
        <ShieldPins manage={manage} />
        <ShieldFindings />
        <ShieldRules manage={manage} />
      </div>
    </>
  );
}
