import { useEffect, useMemo, useState } from 'react';
import { parseDocument, stringify } from 'yaml';
import { api, ApiError, orgPath } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { can } from '../lib/roles.ts';
import { useOrg } from '../lib/session.tsx';
import { useQuery } from '../lib/use-query.ts';
import { Async, Button, Card, ConfirmButton, ErrorState, Json, PageHeader, inputClass } from '../ui/index.ts';
import { SimulationView, Versions, type Simulation } from './policies-parts.tsx';

interface Active {
  version: number;
  source: string;
  document: Record<string, unknown>;
  lastError: { at: number; source: string; message: string } | null;
}

type Format = 'yaml' | 'json';
const SPANS = ['24h', '7d', '30d'];

/** Text → document, or the syntax errors with their positions. */
function parseText(text: string, format: Format): { ok: true; doc: unknown } | { ok: false; errors: { line?: number; col?: number; msg: string }[] } {
  if (format === 'json') {
    try {
      return { ok: true, doc: JSON.parse(text) };
    } catch (e) {
      return { ok: false, errors: [{ msg: (e as Error).message }] };
    }
  }
  const d = parseDocument(text, { uniqueKeys: true });
  if (d.errors.length) return { ok: false, errors: d.errors.map((e) => ({ line: e.linePos?.[0].line, col: e.linePos?.[0].col, msg: e.message.split('\n')[0]! })) };
  return { ok: true, doc: d.toJS() ?? {} };
}

const show = (doc: unknown, format: Format) => (format === 'json' ? JSON.stringify(doc, null, 2) : stringify(doc, { lineWidth: 0 }));

function Editor({ active, reload }: { active: Active; reload: () => void }) {
  const { t } = useI18n();
  const org = useOrg();
  const mayManage = can(org.role, 'policies.manage');
  const [format, setFormat] = useState<Format>('yaml');
  const [text, setText] = useState(() => show(active.document, 'yaml'));
  const [since, setSince] = useState('7d');
  const [sim, setSim] = useState<{ text: string; result: Simulation }>();
  const [apiError, setApiError] = useState<ApiError>();
  const [pending, setPending] = useState(false);
  const [notice, setNotice] = useState<string>();
  const suggested = useQuery<{ rules: { id: string; rule: unknown; suggested_by: string; status: string }[] }>(orgPath(org.id, '/approvals-suggested-rules'));

  useEffect(() => setText(show(active.document, format)), [active.version]); // eslint-disable-line react-hooks/exhaustive-deps
  const parsed = useMemo(() => parseText(text, format), [text, format]);
  const dirty = parsed.ok && JSON.stringify(parsed.doc) !== JSON.stringify(active.document);
  const simulated = sim?.text === text;

  function switchFormat(f: Format) {
    if (parsed.ok) setText(show(parsed.doc, f));
    setFormat(f);
  }

  async function simulate() {
    if (!parsed.ok) return;
    setPending(true);
    setApiError(undefined);
    setNotice(undefined);
    try {
      // The API validates the whole document here too: errors come back before anything is saved.
      const result = await api.post<Simulation>(orgPath(org.id, '/policies/simulate'), { document: parsed.doc, since });
      setSim({ text, result });
    } catch (e) {
      setSim(undefined);
      setApiError(e as ApiError);
    } finally {
      setPending(false);
    }
  }

  async function save() {
    if (!parsed.ok) return;
    setApiError(undefined);
    try {
      const r = await api.put<{ version: number }>(orgPath(org.id, '/policies'), parsed.doc);
      setNotice(t('policies.saved', { v: r.version }));
      setSim(undefined);
      reload();
    } catch (e) {
      setApiError(e as ApiError);
      throw e;
    }
  }

  const errors: string[] = !parsed.ok ? parsed.errors.map((e) => (e.line ? t('policies.yamlError', { line: e.line, col: e.col ?? 0, msg: e.msg }) : e.msg)) : apiError?.code === 'invalid_params' ? apiError.message.split('\n') : [];

  return (
    <div className="space-y-4">
      <Card>
        <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
          <label htmlFor="policy-text" className="text-sm font-medium">
            {t('policies.documentLabel')}
          </label>
          <div role="radiogroup" aria-label={t('policies.format')} className="flex gap-1 text-xs">
            {(['yaml', 'json'] as Format[]).map((f) => (
              <button key={f} role="radio" aria-checked={format === f} onClick={() => switchFormat(f)} className={`rounded px-2 py-1 ${format === f ? 'bg-indigo-600 text-white' : 'ring-1 ring-slate-300 dark:ring-slate-700'}`}>
                {f.toUpperCase()}
              </button>
            ))}
          </div>
        </div>
        <textarea
          id="policy-text"
          data-testid="policy-text"
          spellCheck={false}
          readOnly={!mayManage}
          aria-invalid={errors.length > 0 || undefined}
          aria-describedby={errors.length ? 'policy-errors' : undefined}
          value={text}
          onChange={(e) => (setText(e.target.value), setApiError(undefined), setNotice(undefined))}
          rows={Math.min(30, Math.max(12, text.split('\n').length + 1))}
          className={`${inputClass} font-mono text-xs leading-relaxed ${errors.length ? 'ring-red-500 dark:ring-red-500' : ''}`}
        />
        {errors.length > 0 && (
          <div id="policy-errors" role="alert" data-testid="policy-errors" className="mt-2 rounded-md bg-red-50 p-3 text-xs text-red-800 dark:bg-red-950 dark:text-red-200">
            <p className="mb-1 font-semibold">{t('policies.invalid')}</p>
            <ul className="list-inside list-disc space-y-0.5 font-mono">
              {errors.map((e, i) => (
                <li key={i}>{e}</li>
              ))}
            </ul>
          </div>
        )}
        {apiError && apiError.code !== 'invalid_params' && (
          <div className="mt-2">
            <ErrorState error={apiError} />
          </div>
        )}
        {notice && (
          <p role="status" className="mt-2 text-sm text-emerald-700 dark:text-emerald-400">
            {notice}
          </p>
        )}
        <div className="mt-3 flex flex-wrap items-center gap-2">
          <label className="flex items-center gap-2 text-sm">
            {t('policies.simulateOver')}
            <select value={since} onChange={(e) => (setSince(e.target.value), setSim(undefined))} className="rounded-md py-1 pl-2 pr-7 text-sm ring-1 ring-slate-300 dark:bg-slate-900 dark:ring-slate-700">
              {SPANS.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <Button data-testid="simulate" onClick={() => void simulate()} pending={pending} disabled={!parsed.ok}>
            {t('policies.simulate')}
          </Button>
          {mayManage && (
            <>
              <ConfirmButton
                variant="primary"
                label={t('policies.save')}
                title={t('policies.saveTitle')}
                message={t('policies.saveText', { v: active.version + 1, blocked: sim?.result.newlyBlocked.length ?? 0, allowed: sim?.result.newlyAllowed.length ?? 0, approval: sim?.result.needsApproval.length ?? 0 })}
                onConfirm={save}
                disabled={!dirty || !simulated}
              />
              {dirty && (
                <Button variant="ghost" onClick={() => (setText(show(active.document, format)), setSim(undefined), setApiError(undefined))}>
                  {t('policies.reset')}
                </Button>
              )}
            </>
          )}
        </div>
        {mayManage && dirty && !simulated && parsed.ok && <p className="mt-2 text-xs text-slate-500">{t('policies.mustSimulate')}</p>}
        {!mayManage && <p className="mt-2 text-xs text-slate-500">{t('policies.readOnly')}</p>}
      </Card>
      {sim && simulated && <SimulationView sim={sim.result} />}
      {suggested.data && suggested.data.rules.filter((r) => r.status !== 'applied').length > 0 && (
        <Card title={t('policies.suggested')}>
          <p className="mb-3 text-sm text-slate-500">{t('policies.suggestedHelp')}</p>
          <ul className="space-y-3">
            {suggested.data.rules.map((r) => (
              <li key={r.id} className="space-y-2">
                <Json value={r.rule} />
                {mayManage && parsed.ok && (
                  <Button
                    onClick={() => {
                      const doc = structuredClone(parsed.doc) as { policies?: { rules?: unknown[] } };
                      doc.policies ??= {};
                      doc.policies.rules = [...(doc.policies.rules ?? []), r.rule];
                      setText(show(doc, format));
                    }}
                  >
                    {t('policies.addRule')}
                  </Button>
                )}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

export default function Policies() {
  const { t } = useI18n();
  const org = useOrg();
  const q = useQuery<Active>(orgPath(org.id, '/policies'));
  const [tab, setTab] = useState<'editor' | 'versions'>('editor');
  return (
    <>
      <PageHeader title={t('policies.title')}>{t('policies.subtitle')}</PageHeader>
      <Async q={q}>
        {(active) => (
          <>
            <p className="mb-3 text-sm" data-testid="active-version" data-version={active.version}>
              {t('policies.active', { v: active.version, source: active.source })}
            </p>
            {active.lastError && (
              <p role="alert" className="mb-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                {t('policies.lastError', { msg: `${active.lastError.source}: ${active.lastError.message}` })}
              </p>
            )}
            <div role="tablist" className="mb-4 flex gap-1 rounded-lg bg-slate-100 p-1 text-sm dark:bg-slate-900">
              {(['editor', 'versions'] as const).map((k) => (
                <button key={k} role="tab" aria-selected={tab === k} onClick={() => setTab(k)} className={`flex-1 rounded-md px-3 py-1.5 ${tab === k ? 'bg-white font-medium shadow-sm dark:bg-slate-800' : 'text-slate-600 dark:text-slate-400'}`}>
                  {t(`policies.${k}`)}
                </button>
              ))}
            </div>
            {tab === 'editor' ? <Editor active={active} reload={q.reload} /> : <Versions orgId={org.id} active={active.version} mayManage={can(org.role, 'policies.manage')} onRolledBack={() => q.reload()} />}
          </>
        )}
      </Async>
    </>
  );
}
