/**
 * Tool poisoning scan of tool definitions from upstream `tools/list`, and the stable
 * definition hash used for pinning (a changed hash later means a rug pull). The scan
 * reads every string the model will see: name, title, description, schema property
 * names, descriptions, defaults, enums, and annotations.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.ts';
import { hiddenUnicodeFindings, revealHidden, scanInjection } from './injection.ts';
import type { ShieldReason, ToolDefinition, ToolScan } from './types.ts';

export function definitionHash(tool: ToolDefinition): string {
  const pinned = { name: tool.name, title: tool.title, description: tool.description, inputSchema: tool.inputSchema, outputSchema: tool.outputSchema, annotations: tool.annotations };
  return createHash('sha256').update(canonicalJson(pinned)).digest('hex');
}

function collectStrings(v: unknown, out: Array<{ where: string; text: string }>, where: string, depth = 0): void {
  if (depth > 12 || out.length > 2000) return;
  if (typeof v === 'string') out.push({ where, text: v });
  else if (Array.isArray(v)) v.forEach((x, i) => collectStrings(x, out, `${where}[${i}]`, depth + 1));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push({ where: `${where}.${k}#name`, text: k });
      collectStrings(x, out, `${where}.${k}`, depth + 1);
    }
  }
}

const SECRET_REF = /(~\/\.ssh|\.ssh\/|id_rsa|id_ed25519|id_ecdsa|\.aws\/credentials|\.aws\b|\.env\b|\/etc\/(shadow|passwd)|mcp\.json|\.cursor\/|claude_desktop_config|\.netrc|\.git-credentials|\.kube\/config|private[ _-]?keys?|api[ _-]?keys?|credentials|access tokens?|secrets?\b|passwords?)/i;
const WEAK_DIRECTIVE = /\b(read|extract|copy|paste|embed|attach|upload|send|include|forward)\b/i;
const READ_DIRECTIVE = /\b(read|cat|open|include|pass|send|provide|attach|upload|extract|copy|paste|put|insert|embed|add)\b[^.\n]{0,80}/i;

const POISON_SIGNALS: Array<{ rule: string; severity: ShieldReason['severity']; re: RegExp; message: string }> = [
  { rule: 'poison.instruction-tags', severity: 'high', message: 'instruction tags aimed at the model in a tool definition', re: /<\/?(important|instructions?|system|secret|hidden|critical|note_to_ai|assistant|context)>|\[(IMPORTANT|SYSTEM|INSTRUCTIONS?)\]/i },
  { rule: 'poison.tool-shadowing', severity: 'high', message: 'instructions about how other tools must behave', re: /\b(when|whenever|before|after|instead of)\b[^.\n]{0,20}\b(using|calling|invoking|you use|you call|the user (asks|wants))\b[^.\n]{0,60}\btools?\b|\b(all|any|every)\s+(emails?|messages?|requests?|payments?|transfers?)\b[^.\n]{0,30}\b(must|should|shall)\b[^.\n]{0,20}\b(be )?(sent|forwarded|routed|redirected|go|cc|bcc)\b|\b(change|replace|override|redirect)\b[^.\n]{0,20}\b(the )?(recipient|destination|to address|email address|account number|iban)\b|\bdo not (use|call) the\s+[`'"]?\w+[`'"]?\s+tool\b|\bthis tool (must|should) (always )?be (called|used) (before|instead|first)\b/i },
  { rule: 'poison.model-directive', severity: 'medium', message: 'directs the model beyond describing the tool', re: /\b(before|prior to) (using|calling|invoking) this tool\b[^.\n]{0,20}\b(read|call|send|include|pass|fetch|open|run)\b|\b(you|the (assistant|model|ai|agent|llm))\s+(must|should|need to|have to|are required to|shall)\s+(always\s+|first\s+|also\s+)*(read|call|include|pass|send|ignore|not reveal|not mention|fetch|open|forward|run|execute)\b[^.\n]{0,60}(\b(file|content|key|token|secret|credential|conversation|history|tool|instructions?|prompt|value|variable|environment)|_KEY\b|_TOKEN\b|_SECRET\b)/i },
  { rule: 'poison.hidden-text', severity: 'medium', message: 'text hidden from a reader (HTML comment, ANSI escape, padding)', re: /<!--[\s\S]*?-->|\x1b\[|[ \t]{40,}\S|\n{8,}\S/ },
];

const CONTEXT_PARAMS = /^(conversation(_history)?|chat_history|system_prompt|previous_messages|full_context|all_messages|context_window|hidden|sidenote|side_note|note_for_model|_meta_instructions)$/i;

export function scanToolDefinition(server: string, tool: ToolDefinition): ToolScan {
  void server;
  const strings: Array<{ where: string; text: string }> = [];
  collectStrings(tool.name, strings, 'name');
  if (tool.title) collectStrings(tool.title, strings, 'title');
  collectStrings(tool.description ?? '', strings, 'description');
  collectStrings(tool.inputSchema, strings, 'inputSchema');
  collectStrings(tool.annotations, strings, 'annotations');
  const findings = new Map<string, ShieldReason>();
  const add = (r: ShieldReason, where: string) => {
    if (!findings.has(r.rule)) findings.set(r.rule, { ...r, message: `${r.message} (${where.replace(/#name$/, ' name')})` });
  };
  for (const { where, text } of strings) {
    if (!text) continue;
    for (const f of hiddenUnicodeFindings(text)) add({ ...f, rule: f.rule.replace(/^injection\./, 'poison.') }, where);
    const visible = revealHidden(text);
    for (const f of scanInjection(visible)) {
      if (f.rule.endsWith('hidden-unicode') || f.rule.endsWith('zero-width') || f.rule.endsWith('bidi-override')) continue;
      // Tool descriptions legitimately talk to the assistant; only what they ask for matters.
      const severity = f.rule === 'injection.addressed-to-model' ? 'low' : f.severity;
      add({ ...f, severity, rule: f.rule.replace(/^injection\./, 'poison.') }, where);
    }
    for (const s of POISON_SIGNALS) {
      const m = s.re.exec(visible);
      if (m) add({ rule: s.rule, severity: s.severity, message: s.message, match: m[0].slice(0, 120) }, where);
    }
    const secret = SECRET_REF.exec(visible);
    if (secret) {
      // A secret named next to an instruction to read it or pass it along is a theft attempt.
      const window = visible.slice(Math.max(0, secret.index - 120), secret.index + 120);
      const strong = /~\/|\.ssh|id_rsa|id_ed25519|\.aws|\.env\b|mcp\.json|\.cursor|\/etc\/(shadow|passwd)|\.netrc|\.kube|claude_desktop|\.git-credentials/i.test(secret[0]);
      const directive = strong ? READ_DIRECTIVE.test(window) : WEAK_DIRECTIVE.test(window) && /\b(contents? of|from (the|your)|located|stored|found in|in (the|your) (environment|config|home)|value of|environment variables?|env vars?)\b/i.test(window);
      if (directive) add({ rule: 'poison.secret-request', severity: strong ? 'high' : 'medium', message: 'asks the model to read or pass secrets', match: window.trim().slice(0, 160) }, where);
    }
    if (where.endsWith('#name') && where.startsWith('inputSchema') && CONTEXT_PARAMS.test(text)) {
      add({ rule: 'poison.context-parameter', severity: 'medium', message: `parameter "${text}" asks for hidden context or conversation data`, match: text }, where);
    }
  }
  if ((tool.description ?? '').length > 4000) add({ rule: 'poison.long-description', severity: 'low', message: 'unusually long description' }, 'description');
  return { findings: [...findings.values()], hash: definitionHash(tool) };
}
