/**
 * `npm run shield:eval` (tsx scripts/shield-eval.ts [--verbose] [--json] [dir]): runs Shield over the
 * labelled corpora in test/shield/corpus and prints precision and recall per category.
 *   *.jsonl with {"category","label":"dangerous"|"benign","call":{...}}  tool calls; dangerous = approve or block
 *   secrets.jsonl {"text","secrets":[...],"keep":[...]}                     every secret redacted, no look-alike touched
 *   tool-definitions.jsonl {"label":"poisoned"|"benign","tool":{...}}     poisoned = any finding of medium or above
 *   results.jsonl {"label":"injection"|"benign","content":[...]}          injection flag on tool results
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createShield, type Shield, type ShieldCall } from '../src/shield/index.ts';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const asJson = args.includes('--json');
const dir = args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('../test/shield/corpus', import.meta.url));

interface Tally { tp: number; fp: number; fn: number; tn: number }
const pct = (n: number, d: number) => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);

function readLines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}

export async function evaluate(shield: Shield, corpusDir: string) {
  const byCat = new Map<string, Tally>();
  const misses: string[] = [];
  const tally = (cat: string) => {
    let t = byCat.get(cat);
    if (!t) byCat.set(cat, (t = { tp: 0, fp: 0, fn: 0, tn: 0 }));
    return t;
  };
  const files = readdirSync(corpusDir).filter((f) => f.endsWith('.jsonl')).sort();
  const secrets = { cases: 0, secrets: 0, redacted: 0, keep: 0, kept: 0 };
  const tools = { poisoned: 0, flagged: 0, benign: 0, clean: 0 };
  const results = { injection: 0, flagged: 0, benign: 0, clean: 0 };
  for (const f of files) {
    for (const row of readLines(join(corpusDir, f))) {
      if (row.call) {
        const call = row.call as ShieldCall;
        const v = shield.analyzeCall(call);
        const predicted = v.verdict !== 'allow';
        const dangerous = row.label === 'dangerous';
        const t = tally(String(row.category));
        const all = tally('ALL');
        for (const x of [t, all]) {
          if (dangerous && predicted) x.tp++;
          else if (dangerous) x.fn++;
          else if (predicted) x.fp++;
          else x.tn++;
        }
        if (dangerous !== predicted) misses.push(`${dangerous ? 'MISSED' : 'FALSE+'} [${row.category}] ${v.verdict} ${v.risk} ${JSON.stringify(call.arguments).slice(0, 160)} ${v.reasons.map((r) => r.rule).join(',')}`);
      } else if (typeof row.text === 'string') {
        secrets.cases++;
        const out = shield.scanResult('eval', 'eval', [{ type: 'text', text: row.text }]).content[0] as { text: string };
        for (const s of (row.secrets as string[]) ?? []) {
          secrets.secrets++;
          if (!out.text.includes(s)) secrets.redacted++;
          else misses.push(`SECRET KEPT  ${s.slice(0, 60)}`);
        }
        for (const k of (row.keep as string[]) ?? []) {
          secrets.keep++;
          if (out.text.includes(k)) secrets.kept++;
          else misses.push(`LOOKALIKE REDACTED  ${k.slice(0, 60)} -> ${out.text.slice(0, 160)}`);
        }
      } else if (row.tool) {
        const scan = shield.scanToolDefinition('eval', row.tool as { name: string });
        const flagged = scan.findings.some((x) => x.severity !== 'info' && x.severity !== 'low');
        if (row.label === 'poisoned') {
          tools.poisoned++;
          if (flagged) tools.flagged++;
          else misses.push(`POISON MISSED ${(row.tool as { name: string }).name}`);
        } else {
          tools.benign++;
          if (!flagged) tools.clean++;
          else misses.push(`TOOL FALSE+ ${(row.tool as { name: string }).name} ${scan.findings.map((x) => x.rule).join(',')}`);
        }
      } else if (Array.isArray(row.content)) {
        const scan = shield.scanResult('eval', 'eval', row.content);
        if (row.label === 'injection') {
          results.injection++;
          if (scan.injection) results.flagged++;
          else misses.push(`INJECTION MISSED ${JSON.stringify(row.content).slice(0, 120)}`);
        } else {
          results.benign++;
          if (!scan.injection) results.clean++;
          else misses.push(`INJECTION FALSE+ ${JSON.stringify(row.content).slice(0, 120)} ${scan.findings.map((x) => x.rule).join(',')}`);
        }
      }
    }
  }
  return { byCat, misses, secrets, tools, results };
}

async function main() {
  const shield = await createShield();
  const r = await evaluate(shield, dir);
  if (asJson) {
    process.stdout.write(JSON.stringify({ calls: Object.fromEntries(r.byCat), secrets: r.secrets, tools: r.tools, results: r.results, misses: r.misses }, null, 2) + '\n');
    return;
  }
  const lines = ['category            cases  dangerous  precision  recall   benign-allowed'];
  const cats = [...r.byCat.keys()].filter((c) => c !== 'ALL').sort();
  for (const c of [...cats, 'ALL']) {
    const t = r.byCat.get(c)!;
    const n = t.tp + t.fp + t.fn + t.tn;
    lines.push(`${c.padEnd(18)} ${String(n).padStart(6)} ${String(t.tp + t.fn).padStart(10)}    ${pct(t.tp, t.tp + t.fp)}   ${pct(t.tp, t.tp + t.fn)}   ${pct(t.tn, t.tn + t.fp)}`);
  }
  lines.push('');
  lines.push(`secrets:          ${r.secrets.redacted}/${r.secrets.secrets} redacted (${pct(r.secrets.redacted, r.secrets.secrets).trim()}), ${r.secrets.kept}/${r.secrets.keep} look-alikes kept (${pct(r.secrets.kept, r.secrets.keep).trim()})`);
  lines.push(`tool definitions: ${r.tools.flagged}/${r.tools.poisoned} poisoned flagged (${pct(r.tools.flagged, r.tools.poisoned).trim()}), ${r.tools.clean}/${r.tools.benign} benign clean (${pct(r.tools.clean, r.tools.benign).trim()})`);
  lines.push(`tool results:     ${r.results.flagged}/${r.results.injection} injections flagged (${pct(r.results.flagged, r.results.injection).trim()}), ${r.results.clean}/${r.results.benign} benign clean (${pct(r.results.clean, r.results.benign).trim()})`);
  process.stdout.write(lines.join('\n') + '\n');
  if (verbose || r.misses.length <= 40) process.stdout.write('\n' + r.misses.join('\n') + (r.misses.length ? '\n' : ''));
  else process.stdout.write(`\n${r.misses.length} misclassified (--verbose to list)\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
