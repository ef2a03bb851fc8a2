/**
 * Prompt-injection signals in text that reaches the model (tool results, tool
 * descriptions). Each pattern carries a severity; a text is flagged when one high
 * signal or two medium ones are present. Hidden Unicode is decoded and scanned too.
 */
import type { Severity, ShieldReason } from './types.ts';

interface Signal {
  rule: string;
  severity: Severity;
  re: RegExp;
  message: string;
}

const AI = String.raw`(?:ai|a\.i\.|llm|assistant|agent|model|chatbot|claude|gpt|chatgpt|copilot|gemini|cursor)`;

export const INJECTION_SIGNALS: Signal[] = [
  { rule: 'injection.ignore-instructions', severity: 'high', message: 'tells the model to ignore its instructions', re: /\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(previous|prior|above|earlier|preceding|all|any|your|system|original)\b[^.\n]{0,30}\b(instructions?|prompts?|rules|directions|guidelines|directives|guardrails)\b/i },
  { rule: 'injection.role-markup', severity: 'medium', message: 'contains chat-role or instruction markup', re: /<\/?(system|im_start|im_end|system_prompt|instructions?|important|admin|developer)>|\[\/?(INST|SYS|SYSTEM)\]|<\|(im_start|system|endoftext)\|>|^#{2,}\s*(system|new instructions?)\b/im },
  { rule: 'injection.new-instructions', severity: 'medium', message: 'announces new instructions for the model', re: /\b(new|updated|real|actual|true|additional|secret|hidden)\s+(system\s+)?(instructions?|directives?|task)\s*:|\byour (new|real|actual|true) (task|goal|instructions?|purpose)\b/i },
  { rule: 'injection.persona', severity: 'medium', message: 'tries to change the model persona', re: /\byou are (now|no longer)\b|\byou are an? (unrestricted|unfiltered|jailbroken|uncensored|evil)\b|\b(developer|god|jailbreak|dan) mode\b|\bact as (an? )?(unrestricted|jailbroken|unfiltered)\b/i },
  { rule: 'injection.addressed-to-model', severity: 'medium', message: 'addresses the AI agent directly', re: new RegExp(String.raw`\b(attention|note to|message (to|for)|instructions? (to|for)|dear|hey)\s+(the\s+|any\s+|all\s+)?${AI}s?\b|\bif you are an? (ai|llm|language model|assistant|agent|bot)\b|\b(ai|llm) (agents?|assistants?) (reading|processing|that read) this\b`, 'i') },
  { rule: 'injection.conceal-from-user', severity: 'high', message: 'asks to hide something from the user', re: /\b(do not|don't|never|must not)\s+(tell|inform|mention|reveal|show|notify|alert|let)\b[^.\n]{0,25}\b(the\s+)?(user|human|operator)\b|\bwithout (telling|informing|notifying|alerting|asking) the (user|human)\b|\b(keep|hide) (this|it) (secret|hidden) from\b/i },
  { rule: 'injection.exfiltration', severity: 'high', message: 'asks to send secrets or conversation data somewhere', re: /\b(send|post|upload|forward|email|exfiltrate|transmit|leak|include|append|paste)\b[^\n]{0,60}?\b(api[ _-]?keys?|credentials|secrets?|access tokens?|passwords?|ssh keys?|private keys?|id_rsa|env(ironment)? variables|\.env\b|conversation|chat history|system prompt)\b[^\n]{0,80}?\b(to|into|at)\b[^\n]{0,20}?(https?:\/\/|\w+@\w+\.\w+|webhook|endpoint|url\b|the following)/i },
  { rule: 'injection.tool-directive', severity: 'medium', message: 'instructs the model to call tools or run commands', re: new RegExp(String.raw`\b(${AI}|you)\b[^.\n]{0,30}\b(must|should|need to|have to|are required to)\s+(now\s+|immediately\s+|first\s+)?(call|invoke|use|run|execute)\b[^.\n]{0,40}\b(tool|function|command|curl|bash|script)\b|\b(run|execute) (this|the following) (command|code|script|shell)\b`, 'i') },
  { rule: 'injection.override-user', severity: 'medium', message: 'tells the model to act against the user request', re: /\b(disregard|ignore)\b[^.\n]{0,20}\b(the user|user's (request|instructions?|question)|what the user)\b|\binstead\b[^.\n]{0,30}\b(call|run|execute|use|invoke)\b[^.\n]{0,40}\b(tool|command|function)\b/i },
  { rule: 'injection.hidden-html', severity: 'medium', message: 'hidden HTML (comment or invisible element) addressed to the model', re: /<!--(?:(?!-->)[^]){0,500}?\b(ai|assistant|agent|llm|model|instructions?)\b|style\s*=\s*["'][^"']*(display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0)[^"']*["'][^>]*>[^<]{0,300}\b(ai|assistant|agent|llm|model|instructions?)\b/i },
  { rule: 'injection.secret-access', severity: 'medium', message: 'asks to read credential files', re: /\b(read|cat|open|print|output|show|display|fetch)\b[^.\n]{0,30}(~\/\.ssh|id_rsa|id_ed25519|\.aws\/credentials|\.env\b|\/etc\/shadow|mcp\.json|\.netrc|\.git-credentials|private key)/i },
];

/** Signals compiled for lower-cased input (sources contain no upper-case escapes such as \\S). */
const COMPILED = INJECTION_SIGNALS.map((s) => ({ ...s, re: new RegExp(s.re.source.toLowerCase(), s.re.flags.replace('i', '')) }));

/** Phrases that advisories and docs quote when they talk about injection. */
const QUOTABLE = new Set(['injection.ignore-instructions', 'injection.persona', 'injection.new-instructions']);

const TAG_CHARS = /[\u{E0000}-\u{E007F}]/u;
const TAG_RUN = /[\u{E0000}-\u{E007F}]+/gu;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/;
const ZERO_WIDTH = /[\u200B-\u200D\u2060-\u2064\uFEFF]/g;

/** Any invisible or reordering character at all (tag characters as UTF-16 surrogate pairs); checked first because it is cheap. */
const ANY_HIDDEN = /[\u200B-\u200D\u2060-\u2064\uFEFF\u202A-\u202E\u2066-\u2069]|\uDB40[\uDC00-\uDC7F]/;

export function hiddenUnicodeFindings(text: string): ShieldReason[] {
  const out: ShieldReason[] = [];
  if (!ANY_HIDDEN.test(text)) return out;
  if (TAG_CHARS.test(text)) {
    const hidden = [...text.matchAll(TAG_RUN)].map((m) => [...m[0]].map((c) => String.fromCharCode(c.codePointAt(0)! - 0xe0000)).join('')).join(' ');
    out.push({ rule: 'injection.hidden-unicode', severity: 'high', message: 'contains invisible Unicode tag characters (hidden text)', match: hidden.slice(0, 120) });
  }
  if (BIDI.test(text)) out.push({ rule: 'injection.bidi-override', severity: 'medium', message: 'contains bidirectional override characters that reorder text' });
  const zw = text.match(ZERO_WIDTH);
  if (zw && zw.length >= 3) out.push({ rule: 'injection.zero-width', severity: 'low', message: `contains ${zw.length} zero-width characters` });
  return out;
}

/** Decodes Unicode tag characters so hidden instructions are scanned like visible ones. */
export function revealHidden(text: string): string {
  if (!ANY_HIDDEN.test(text) || !TAG_CHARS.test(text)) return text;
  return text.replace(TAG_RUN, (run) => ' ' + [...run].map((c) => String.fromCharCode(c.codePointAt(0)! - 0xe0000)).join('') + ' ');
}

export function scanInjection(text: string): ShieldReason[] {
  const findings = hiddenUnicodeFindings(text);
  // JSON-escaped payloads (\n inside a string) read the same as plain text.
  const revealed = revealHidden(text);
  const visible = revealed.includes('\\') ? revealed.replace(/\\[nrt]/g, ' ') : revealed;
  // Case-folded once; the compiled signals are case-sensitive, which V8 scans several times faster than /i.
  const lower = visible.toLowerCase();
  for (const s of COMPILED) {
    const m = s.re.exec(lower);
    if (!m) continue;
    // A phrase in quotes is being talked about (an advisory, a test case), not addressed to the model.
    const before = lower[m.index - 1] ?? '';
    const quoted = QUOTABLE.has(s.rule) && /["'\u201c\u2018`]/.test(before);
    findings.push({ rule: s.rule, severity: quoted ? 'low' : s.severity, message: s.message + (quoted ? ' (quoted)' : ''), match: m[0].slice(0, 120) });
  }
  return findings;
}

export function isInjection(findings: ShieldReason[]): boolean {
  const high = findings.filter((f) => f.severity === 'high' || f.severity === 'critical').length;
  const medium = findings.filter((f) => f.severity === 'medium').length;
  return high > 0 || medium >= 2;
}
