/**
 * The report as one self-contained HTML page (no external assets, print CSS, A4): a cover,
 * scores per standard, each control with the evidence of its checks and the remediation.
 * Pure: the same report and language always give the same bytes.
 */
import type { CheckStatus, ComplianceReport, Lang, Text } from '../compliance.types.ts';

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const L = {
  title: { en: 'Compliance report', ru: 'Отчёт о соответствии' },
  org: { en: 'Organization', ru: 'Организация' },
  generated: { en: 'Generated', ru: 'Сформирован' },
  checkpoint: { en: 'Audit checkpoint', ru: 'Контрольная точка аудита' },
  noCheckpoint: { en: 'none: the log is not yet covered by a signed checkpoint', ru: 'нет: журнал ещё не покрыт подписанной контрольной точкой' },
  head: { en: 'Audit log head', ru: 'Последняя запись журнала' },
  summary: { en: 'Scores', ru: 'Оценки' },
  standard: { en: 'Standard', ru: 'Стандарт' },
  score: { en: 'Score', ru: 'Оценка' },
  controls: { en: 'Controls', ru: 'Меры' },
  evidence: { en: 'Evidence', ru: 'Свидетельства' },
  remediation: { en: 'Remediation', ru: 'Что сделать' },
  check: { en: 'Check', ru: 'Проверка' },
  source: { en: 'Source', ru: 'Источник' },
  disclaimer: {
    en: 'Generated automatically from FlowLink\'s own state. It evidences technical measures only and is not an audit opinion or a certification.',
    ru: 'Сформирован автоматически по состоянию FlowLink. Подтверждает только технические меры и не является заключением аудитора или сертификатом.',
  },
  status: {
    pass: { en: 'pass', ru: 'выполнено' },
    partial: { en: 'partial', ru: 'частично' },
    fail: { en: 'fail', ru: 'не выполнено' },
    not_applicable: { en: 'not applicable', ru: 'неприменимо' },
  } satisfies Record<CheckStatus, Text>,
} as const;

const CSS = `
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1d2330; font-size: 10.5pt; line-height: 1.4; margin: 0; }
main { max-width: 190mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 22pt; margin: 0 0 4mm; } h2 { font-size: 14pt; margin: 8mm 0 3mm; border-bottom: 1px solid #ccd; padding-bottom: 1mm; }
h3 { font-size: 11.5pt; margin: 4mm 0 1mm; }
.cover { min-height: 240mm; display: flex; flex-direction: column; justify-content: center; page-break-after: always; break-after: page; }
.cover dl { display: grid; grid-template-columns: 45mm 1fr; gap: 2mm 4mm; } .cover dt { color: #556; } .cover dd { margin: 0; word-break: break-all; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 1.5mm 2mm; border-bottom: 1px solid #e3e6ee; vertical-align: top; }
.badge { display: inline-block; padding: 0 2mm; border-radius: 2mm; font-size: 9pt; font-weight: bold; color: #fff; white-space: nowrap; }
.pass { background: #2e7d32; } .partial { background: #b26a00; } .fail { background: #c62828; } .not_applicable { background: #78808f; }
.control { border: 1px solid #dde1ea; border-radius: 2mm; padding: 2mm 3mm; margin: 2mm 0; break-inside: avoid; page-break-inside: avoid; }
.check { margin: 1.5mm 0 0 2mm; } .muted { color: #667; font-size: 9pt; } code { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; word-break: break-all; }
.standard { break-before: page; page-break-before: always; }
@media screen { body { background: #f4f5f8; } main { background: #fff; padding: 10mm 12mm; } }
`;

function badge(s: CheckStatus, lang: Lang) {
  return `<span class="badge ${s}">${esc(L.status[s][lang])}</span>`;
}

const score = (n: number | null) => (n === null ? '—' : `${n}%`);

function evidenceList(ev: Record<string, unknown>): string {
  const items = Object.entries(ev).map(([k, v]) => `<code>${esc(k)}</code>: ${esc(Array.isArray(v) ? (v.length ? v.join(', ') : '—') : v === null ? '—' : v)}`);
  return items.join('; ');
}

export function renderHtml(r: ComplianceReport, lang: Lang): string {
  const t = (x: Text) => esc(x[lang]);
  const cp = r.checkpoint;
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${t(L.title)}: ${esc(r.org.name)}</title><style>${CSS}</style></head><body><main>`);
  parts.push(`<section class="cover"><h1>${t(L.title)}</h1><p class="muted">FlowLink · ${esc(r.standards.map((s) => s.title[lang]).join(' · '))}</p><dl>`);
  parts.push(`<dt>${t(L.org)}</dt><dd>${esc(r.org.name)} <span class="muted">(${esc(r.org.id)})</span></dd>`);
  parts.push(`<dt>${t(L.generated)}</dt><dd>${esc(r.generated_at)}</dd>`);
  parts.push(`<dt>${t(L.checkpoint)}</dt><dd>${cp ? `seq ${esc(cp.seq)} · ${esc(cp.ts)} · <code>${esc(cp.hash)}</code> · ${esc(cp.key_id)}` : t(L.noCheckpoint)}</dd>`);
  if (r.audit_head) parts.push(`<dt>${t(L.head)}</dt><dd>seq ${esc(r.audit_head.seq)} · <code>${esc(r.audit_head.hash)}</code></dd>`);
  parts.push(`</dl><p class="muted">${t(L.disclaimer)}</p></section>`);
  parts.push(`<section><h2>${t(L.summary)}</h2><table><thead><tr><th>${t(L.standard)}</th><th>${t(L.score)}</th>${(['pass', 'partial', 'fail', 'not_applicable'] as const).map((s) => `<th>${badge(s, lang)}</th>`).join('')}</tr></thead><tbody>`);
  for (const s of r.standards) parts.push(`<tr><td>${t(s.title)}</td><td><b>${score(s.score)}</b></td><td>${s.counts.pass}</td><td>${s.counts.partial}</td><td>${s.counts.fail}</td><td>${s.counts.not_applicable}</td></tr>`);
  parts.push(`</tbody></table></section>`);
  for (const s of r.standards) {
    parts.push(`<section class="standard" id="std-${esc(s.id)}"><h2>${t(s.title)} — ${score(s.score)}</h2><p class="muted">${t(L.source)}: ${t(s.source)}</p>`);
    for (const c of s.controls) {
      parts.push(`<div class="control"><h3>${esc(c.id)} · ${t(c.title)} ${badge(c.status, lang)} <span class="muted">${score(c.score)}</span></h3>`);
      if (c.note) parts.push(`<div class="muted">${t(c.note)}</div>`);
      for (const id of c.checks) {
        const k = r.checks[id];
        if (!k) continue;
        parts.push(`<div class="check">${badge(k.status, lang)} <b>${t(k.title)}</b>: ${t(k.summary)}<div class="muted">${t(L.evidence)}: ${evidenceList(k.evidence)}</div>`);
        if (k.remediation[lang]) parts.push(`<div><i>${t(L.remediation)}:</i> ${t(k.remediation)}</div>`);
        parts.push(`</div>`);
      }
      parts.push(`</div>`);
    }
    parts.push(`</section>`);
  }
  parts.push(`</main></body></html>`);
  return parts.join('\n');
}
