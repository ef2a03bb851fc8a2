/**
 * The checks: pure functions over one org's facts. Each returns a status, evidence (counts,
 * ids, names, timestamps; never a secret value) and remediation in Russian and English.
 */
import type { CheckId, CheckResult, CheckStatus, Evidence, Text } from './compliance.types.ts';
import type { ComplianceFacts } from './facts.types.ts';
import { serverCoverage } from './coverage.ts';
import { SEVERITY_SCORE } from '../shield/scoring.ts';

export const LIMITS = {
  /** An agent not seen for this long is inactive. */
  inactiveAgentDays: 30,
  /** An API key unused for this long (or never used and this old) should go. */
  unusedKeyDays: 90,
  /** A stored secret older than this should be rotated. */
  secretMaxAgeDays: 90,
  /** The newest signed checkpoint should be younger than this. */
  checkpointMaxAgeHours: 24,
  /** SIEM lag (undelivered events) above this is a partial result. */
  siemMaxLag: 1000,
  /** Lists in evidence are cut to this many entries. */
  listMax: 20,
} as const;

const DAY = 86_400_000;
const T = (en: string, ru: string): Text => ({ en, ru });
const NONE = T('', '');
const cut = (xs: readonly string[]) => xs.slice(0, LIMITS.listMax);
const ageDays = (now: string, then: string) => Math.floor((Date.parse(now) - Date.parse(then)) / DAY);

interface Spec {
  title: Text;
  run(f: ComplianceFacts): { status: CheckStatus; summary: Text; evidence: Evidence; remediation?: Text };
}

const SPECS: Record<CheckId, Spec> = {
  'mfa.enforced': {
    title: T('Two-factor authentication is required for the organization', 'Двухфакторная аутентификация обязательна для организации'),
    run: (f) =>
      f.org.requireMfa
        ? { status: 'pass', summary: T('The organization requires 2FA for every member', 'Организация требует 2FA от всех участников'), evidence: { require_mfa: true } }
        : {
            status: 'fail',
            summary: T('2FA is optional in this organization', 'В организации 2FA необязательна'),
            evidence: { require_mfa: false },
            remediation: T('An owner sets requireMfa: PATCH /api/v1/orgs/{orgId} {"requireMfa": true}', 'Владелец включает requireMfa: PATCH /api/v1/orgs/{orgId} {"requireMfa": true}'),
          },
  },
  'mfa.members': {
    title: T('Every member has two-factor authentication', 'У каждого участника включена двухфакторная аутентификация'),
    run: (f) => {
      const without = f.members.filter((m) => !m.totp);
      const evidence = { members: f.members.length, with_2fa: f.members.length - without.length, without_2fa: cut(without.map((m) => m.userId)) };
      if (!f.members.length) return { status: 'not_applicable', summary: T('The organization has no members', 'В организации нет участников'), evidence };
      if (!without.length) return { status: 'pass', summary: T(`All ${f.members.length} members use 2FA`, `Все участники (${f.members.length}) используют 2FA`), evidence };
      return {
        status: without.length === f.members.length ? 'fail' : 'partial',
        summary: T(`${without.length} of ${f.members.length} members have no 2FA`, `${without.length} из ${f.members.length} участников без 2FA`),
        evidence,
        remediation: T('Ask the listed users to enable TOTP (POST /api/v1/me/2fa/setup), or require it for the org', 'Попросите перечисленных пользователей включить TOTP (POST /api/v1/me/2fa/setup) или сделайте 2FA обязательной'),
      };
    },
  },
  'audit.chain': {
    title: T('The audit log hash chain is intact', 'Цепочка хешей журнала аудита не нарушена'),
    run: (f) => {
      const c = f.audit.chain;
      if (!c) return { status: 'not_applicable', summary: T('Verification was not run for this report', 'Проверка не выполнялась для этого отчёта'), evidence: { verified: false } };
      if (c.ok) return { status: 'pass', summary: T(`${c.records} records verified, no problems`, `Проверено записей: ${c.records}, нарушений нет`), evidence: { records: c.records, begins_at: c.beginsAt, head_seq: f.audit.head?.seq ?? 0 } };
      const first = c.problems[0];
      return {
        status: 'fail',
        summary: T(`Tampering found: ${c.problems.length} problem(s), first at seq ${first?.seq} (${first?.kind})`, `Обнаружено вмешательство: нарушений ${c.problems.length}, первое в записи ${first?.seq} (${first?.kind})`),
        evidence: { records: c.records, problems: c.problems.length, first_seq: first?.seq ?? null, kinds: [...new Set(c.problems.map((p) => p.kind))] },
        remediation: T('Run `flowlink audit verify` for details, treat it as an incident, compare with an exported checkpoint', 'Запустите `flowlink audit verify`, обработайте как инцидент, сверьте с экспортированной контрольной точкой'),
      };
    },
  },
  'audit.checkpoint': {
    title: T('A recent signed audit checkpoint exists', 'Есть свежая подписанная контрольная точка аудита'),
    run: (f) => {
      const cp = f.audit.checkpoint;
      const head = f.audit.head;
      if (!head) return { status: 'not_applicable', summary: T('The organization has no audit records yet', 'В журнале организации ещё нет записей'), evidence: { head_seq: 0 } };
      if (!cp)
        return {
          status: 'fail',
          summary: T('No signed checkpoint covers this log', 'Журнал не покрыт ни одной подписанной контрольной точкой'),
          evidence: { head_seq: head.seq },
          remediation: T('Run FlowLink with its checkpointer, or `flowlink audit checkpoint --export FILE`', 'Запустите FlowLink с подписью контрольных точек или `flowlink audit checkpoint --export FILE`'),
        };
      const hours = Math.floor((Date.parse(f.now) - Date.parse(cp.ts)) / 3_600_000);
      const evidence = { checkpoint_seq: cp.seq, checkpoint_ts: cp.ts, key_id: cp.key_id, head_seq: head.seq, age_hours: hours };
      if (hours <= LIMITS.checkpointMaxAgeHours) return { status: 'pass', summary: T(`Checkpoint at seq ${cp.seq}, ${hours} h old`, `Контрольная точка на записи ${cp.seq}, возраст ${hours} ч`), evidence };
      return {
        status: 'partial',
        summary: T(`The newest checkpoint is ${hours} h old`, `Последней контрольной точке ${hours} ч`),
        evidence,
        remediation: T('Keep a FlowLink instance running (it signs every 5 minutes when there is news) and export checkpoints regularly', 'Держите FlowLink запущенным (подписывает каждые 5 минут при новых записях) и регулярно экспортируйте контрольные точки'),
      };
    },
  },
  'shield.high-risk-gated': {
    title: T('High-risk tool calls need approval or are blocked', 'Высокорисковые вызовы требуют одобрения или блокируются'),
    run: (f) => {
      const s = f.shield;
      const waivers = f.policy.document.policies.rules.filter((r) => r.enabled !== false && r.exception).map((r) => r.id);
      const evidence = { shield_enabled: s.enabled, approve_threshold: s.thresholds.approve, block_threshold: s.thresholds.block, high_risk_rules: s.highRiskRules, categories: s.categories.map((c) => `${c.pack} ${c.gated}/${c.highRisk}`), disabled: cut(s.disabledHighRisk), downgraded: cut(s.downgradedHighRisk), policy_exceptions: cut(waivers) };
      if (!s.enabled)
        return { status: 'fail', summary: T('Shield is off: nothing judges what calls do', 'Shield выключен: содержимое вызовов не оценивается'), evidence, remediation: T('Set shield.enabled: true', 'Установите shield.enabled: true') };
      if (s.thresholds.approve > SEVERITY_SCORE.high)
        return {
          status: 'fail',
          summary: T(`The approve threshold ${s.thresholds.approve} lets high-severity calls (risk ${SEVERITY_SCORE.high}) through`, `Порог одобрения ${s.thresholds.approve} пропускает вызовы высокой серьёзности (риск ${SEVERITY_SCORE.high})`),
          evidence,
          remediation: T(`Set shield.thresholds.approve to ${SEVERITY_SCORE.high} or lower`, `Установите shield.thresholds.approve не выше ${SEVERITY_SCORE.high}`),
        };
      const gaps = s.disabledHighRisk.length + s.downgradedHighRisk.length + waivers.length;
      if (!gaps) return { status: 'pass', summary: T(`All ${s.highRiskRules} high/critical rules end in approve or block`, `Все правила высокой/критической серьёзности (${s.highRiskRules}) ведут к одобрению или блокировке`), evidence };
      return {
        status: 'partial',
        summary: T(`${s.disabledHighRisk.length} disabled, ${s.downgradedHighRisk.length} downgraded high-risk rules; ${waivers.length} policy exceptions`, `Отключено ${s.disabledHighRisk.length}, понижено ${s.downgradedHighRisk.length} высокорисковых правил; исключений в политике: ${waivers.length}`),
        evidence,
        remediation: T('Review shield.disable / shield.overrides and the listed policy exceptions; keep each one justified', 'Проверьте shield.disable / shield.overrides и перечисленные исключения политики; каждое должно быть обосновано'),
      };
    },
  },
  'shield.pinning': {
    title: T('Tool definitions are pinned; changes are quarantined', 'Определения инструментов закреплены; изменения помещаются в карантин'),
    run: (f) => {
      const evidence = { shield_enabled: f.shield.enabled, pinned_tools: f.pins.total, quarantined: f.pins.quarantined, servers_pinned: cut(f.pins.servers), servers_configured: f.servers.length };
      if (!f.shield.enabled) return { status: 'fail', summary: T('Shield is off: tool definitions are not pinned', 'Shield выключен: определения инструментов не закрепляются'), evidence, remediation: T('Set shield.enabled: true', 'Установите shield.enabled: true') };
      if (f.pins.quarantined)
        return {
          status: 'partial',
          summary: T(`${f.pins.quarantined} tool(s) wait in quarantine for review`, `Инструментов в карантине, ожидающих проверки: ${f.pins.quarantined}`),
          evidence,
          remediation: T('Review the changed definitions and approve or keep them blocked', 'Проверьте изменённые определения и одобрите их или оставьте заблокированными'),
        };
      return { status: 'pass', summary: T(`Pinning on; ${f.pins.total} tool definitions pinned`, `Закрепление включено; закреплено определений: ${f.pins.total}`), evidence };
    },
  },
  'policy.server-coverage': {
    title: T('Every configured server is covered by a policy', 'Каждый настроенный сервер покрыт политикой'),
    run: (f) => {
      const c = serverCoverage(f.policy.document, f.org, f.servers);
      const evidence = { policy_version: f.policy.version, posture: c.posture, servers: f.servers.length, covered: cut(c.covered), uncovered: cut(c.uncovered) };
      if (!f.servers.length) return { status: 'not_applicable', summary: T('No servers are configured', 'Серверы не настроены'), evidence };
      if (!c.uncovered.length) return { status: 'pass', summary: T(`All ${f.servers.length} servers are covered`, `Все серверы (${f.servers.length}) покрыты`), evidence };
      return {
        status: c.covered.length ? 'partial' : 'fail',
        summary: T(`No policy names: ${cut(c.uncovered).join(', ')}`, `Нет политики для: ${cut(c.uncovered).join(', ')}`),
        evidence,
        remediation: T('Add rules naming these servers (match.servers or serverLabels), a denyServers selector, or a deny posture', 'Добавьте правила для этих серверов (match.servers или serverLabels), селектор denyServers или запрещающую позицию по умолчанию'),
      };
    },
  },
  'agents.scoped-expiring': {
    title: T('Agents have scoped tokens with an expiry', 'У агентов ограниченные токены со сроком действия'),
    run: (f) => {
      const live = f.agents.filter((a) => !a.revoked);
      const unscoped = live.filter((a) => a.scopes.servers.includes('*') && a.scopes.tools.includes('*')).map((a) => a.name);
      const noExpiry = live.filter((a) => a.tokens.some((t) => !t.expiresAt)).map((a) => a.name);
      const evidence = { agents: live.length, unscoped: cut(unscoped), tokens_without_expiry: cut(noExpiry) };
      if (!live.length) return { status: 'not_applicable', summary: T('No active agents', 'Нет активных агентов'), evidence };
      const bad = new Set([...unscoped, ...noExpiry]).size;
      if (!bad) return { status: 'pass', summary: T(`All ${live.length} agents are scoped and expire`, `Все агенты (${live.length}) ограничены и имеют срок действия`), evidence };
      return {
        status: bad === live.length ? 'fail' : 'partial',
        summary: T(`${unscoped.length} agents reach every tool; ${noExpiry.length} have tokens that never expire`, `Агентов с доступом ко всем инструментам: ${unscoped.length}; с бессрочными токенами: ${noExpiry.length}`),
        evidence,
        remediation: T('Set scopes (PATCH …/agents/{id} {"scopes": …}) and rotate tokens with expiresInDays', 'Задайте области (PATCH …/agents/{id} {"scopes": …}) и перевыпустите токены с expiresInDays'),
      };
    },
  },
  'agents.inactive': {
    title: T('No inactive agents keep live credentials', 'Нет неактивных агентов с действующими учётными данными'),
    run: (f) => {
      const live = f.agents.filter((a) => !a.revoked);
      const stale = live.filter((a) => ageDays(f.now, a.lastSeenAt ?? a.createdAt) > LIMITS.inactiveAgentDays).map((a) => a.name);
      const evidence = { agents: live.length, inactive_days: LIMITS.inactiveAgentDays, inactive: cut(stale) };
      if (!live.length) return { status: 'not_applicable', summary: T('No active agents', 'Нет активных агентов'), evidence };
      if (!stale.length) return { status: 'pass', summary: T(`All ${live.length} agents were seen within ${LIMITS.inactiveAgentDays} days`, `Все агенты (${live.length}) активны в последние ${LIMITS.inactiveAgentDays} дней`), evidence };
      return {
        status: 'partial',
        summary: T(`${stale.length} agents unseen for over ${LIMITS.inactiveAgentDays} days`, `Агентов без активности более ${LIMITS.inactiveAgentDays} дней: ${stale.length}`),
        evidence,
        remediation: T('Revoke agents that are no longer used (DELETE …/agents/{id})', 'Отзовите неиспользуемых агентов (DELETE …/agents/{id})'),
      };
    },
  },
  'apikeys.unused': {
    title: T('No unused API keys', 'Нет неиспользуемых API-ключей'),
    run: (f) => {
      const unused = f.apiKeys.filter((k) => ageDays(f.now, k.lastUsedAt ?? k.createdAt) > LIMITS.unusedKeyDays).map((k) => `${k.name} (${k.id})`);
      const noExpiry = f.apiKeys.filter((k) => !k.expiresAt).map((k) => k.id);
      const evidence = { api_keys: f.apiKeys.length, unused_days: LIMITS.unusedKeyDays, unused: cut(unused), without_expiry: cut(noExpiry) };
      if (!f.apiKeys.length) return { status: 'not_applicable', summary: T('No live API keys', 'Нет действующих API-ключей'), evidence };
      if (!unused.length && !noExpiry.length) return { status: 'pass', summary: T(`All ${f.apiKeys.length} keys are in use and expire`, `Все ключи (${f.apiKeys.length}) используются и имеют срок действия`), evidence };
      return {
        status: 'partial',
        summary: T(`${unused.length} keys unused for ${LIMITS.unusedKeyDays}+ days; ${noExpiry.length} never expire`, `Ключей без использования ${LIMITS.unusedKeyDays}+ дней: ${unused.length}; бессрочных: ${noExpiry.length}`),
        evidence,
        remediation: T('Revoke unused keys; create keys with an expiry', 'Отзовите неиспользуемые ключи; создавайте ключи со сроком действия'),
      };
    },
  },
  'secrets.no-plaintext': {
    title: T('No plaintext credentials in server configuration', 'Нет открытых учётных данных в конфигурации серверов'),
    run: (f) => {
      const found = f.servers.flatMap((s) => s.plaintextKeys.map((k) => `${s.name}.${k}`));
      const refs = f.servers.reduce((n, s) => n + s.secretRefs, 0);
      const evidence = { servers: f.servers.length, secret_references: refs, plaintext: cut(found) };
      if (!f.servers.length) return { status: 'not_applicable', summary: T('No servers are configured', 'Серверы не настроены'), evidence };
      if (!found.length) return { status: 'pass', summary: T(`No plaintext credentials; ${refs} {{secret:…}} references`, `Открытых учётных данных нет; ссылок {{secret:…}}: ${refs}`), evidence };
      return {
        status: 'fail',
        summary: T(`Plaintext credentials in: ${cut(found).join(', ')}`, `Открытые учётные данные в: ${cut(found).join(', ')}`),
        evidence,
        remediation: T('Store the values with `flowlink secret set NAME` and reference them as {{secret:NAME}}', 'Сохраните значения через `flowlink secret set NAME` и используйте ссылки {{secret:NAME}}'),
      };
    },
  },
  'secrets.rotation': {
    title: T('Stored secrets are rotated', 'Хранимые секреты регулярно меняются'),
    run: (f) => {
      const old = f.secrets.filter((s) => ageDays(f.now, s.updatedAt) > LIMITS.secretMaxAgeDays).map((s) => s.name);
      const oldest = f.secrets.reduce((m, s) => Math.max(m, ageDays(f.now, s.updatedAt)), 0);
      const evidence = { secrets: f.secrets.length, max_age_days: LIMITS.secretMaxAgeDays, oldest_days: oldest, overdue: cut(old) };
      if (!f.secrets.length) return { status: 'not_applicable', summary: T('No stored secrets', 'Нет хранимых секретов'), evidence };
      if (!old.length) return { status: 'pass', summary: T(`All ${f.secrets.length} secrets changed within ${LIMITS.secretMaxAgeDays} days`, `Все секреты (${f.secrets.length}) менялись в последние ${LIMITS.secretMaxAgeDays} дней`), evidence };
      return {
        status: 'partial',
        summary: T(`${old.length} secrets older than ${LIMITS.secretMaxAgeDays} days`, `Секретов старше ${LIMITS.secretMaxAgeDays} дней: ${old.length}`),
        evidence,
        remediation: T('Rotate the listed secrets at their source and set the new values', 'Смените перечисленные секреты у источника и сохраните новые значения'),
      };
    },
  },
  'retention.configured': {
    title: T('Audit and history retention is configured', 'Настроен срок хранения аудита и истории'),
    run: (f) => {
      const r = f.retention;
      const evidence = { configured: r.configured, audit_days: r.auditDays ?? null, history_days: r.historyDays ?? null, source: r.source };
      if (r.configured) return { status: 'pass', summary: T('Retention is set for this organization', 'Срок хранения для организации задан'), evidence };
      return {
        status: 'fail',
        summary: T('No retention is configured', 'Срок хранения не задан'),
        evidence,
        remediation: T('Set a per-org retention for audit and history (with export before deletion)', 'Задайте срок хранения аудита и истории для организации (с выгрузкой перед удалением)'),
      };
    },
  },
  'siem.delivering': {
    title: T('Audit events reach a SIEM', 'События аудита доставляются в SIEM'),
    run: (f) => {
      const s = f.siem;
      const failing = s.sinks.filter((k) => k.lastError).map((k) => k.id);
      const maxLag = s.sinks.reduce((m, k) => Math.max(m, k.lag), 0);
      const evidence = { configured: s.configured, sinks: s.sinks.map((k) => k.id), failing: cut(failing), max_lag: maxLag, source: s.source };
      if (!s.configured || !s.sinks.length)
        return { status: 'fail', summary: T('No SIEM sink is configured', 'Ни один приёмник SIEM не настроен'), evidence, remediation: T('Configure a SIEM sink (webhook, Splunk HEC, syslog) for audit events', 'Настройте приёмник SIEM (webhook, Splunk HEC, syslog) для событий аудита') };
      if (failing.length === s.sinks.length)
        return { status: 'fail', summary: T('Every sink is failing to deliver', 'Все приёмники не доставляют события'), evidence, remediation: T('Check the sinks\' last errors and reachability', 'Проверьте последние ошибки и доступность приёмников') };
      if (failing.length || maxLag > LIMITS.siemMaxLag)
        return { status: 'partial', summary: T(`${failing.length} failing sink(s); lag up to ${maxLag} events`, `Приёмников с ошибками: ${failing.length}; отставание до ${maxLag} событий`), evidence, remediation: T('Check the failing sinks; delivery resumes in order once they answer', 'Проверьте приёмники с ошибками; доставка продолжится по порядку, когда они ответят') };
      return { status: 'pass', summary: T(`${s.sinks.length} sink(s) delivering; lag ${maxLag}`, `Приёмников доставляет: ${s.sinks.length}; отставание ${maxLag}`), evidence };
    },
  },
  'approvals.channels': {
    title: T('Approvals reach people; critical actions need several approvers', 'Запросы одобрения доходят до людей; критичные действия требуют нескольких одобряющих'),
    run: (f) => {
      const rules = f.policy.document.policies.rules.filter((r) => r.enabled !== false && r.effect === 'approve');
      const nOfM = rules.filter((r) => (r.approvers ?? 1) >= 2).map((r) => r.id);
      // Critical: approve rules conditioned on high Shield severity or risk.
      const critical = rules.filter((r) => r.when?.severity === 'critical' || r.when?.severity === 'high' || (r.when?.risk?.min ?? 0) >= SEVERITY_SCORE.high || r.when?.verdict?.includes('block'));
      const single = critical.filter((r) => (r.approvers ?? 1) < 2).map((r) => r.id);
      const evidence = { enabled: f.approvals.enabled, channels: f.approvals.channels, escalation: f.approvals.escalation, approve_rules: rules.length, n_of_m_rules: cut(nOfM), critical_single_approver: cut(single) };
      if (!f.approvals.enabled)
        return { status: 'fail', summary: T('No approval queue: calls that need approval are refused', 'Очередь одобрений выключена: вызовы, требующие одобрения, отклоняются'), evidence, remediation: T('Add `approvals: {}` (and Slack/Telegram channels) to the config', 'Добавьте `approvals: {}` (и каналы Slack/Telegram) в конфигурацию') };
      if (!nOfM.length || single.length || f.approvals.channels.length < 2)
        return {
          status: 'partial',
          summary: T(`Channels: ${f.approvals.channels.join(', ')}; ${nOfM.length} rules need two or more approvers`, `Каналы: ${f.approvals.channels.join(', ')}; правил с двумя и более одобряющими: ${nOfM.length}`),
          evidence,
          remediation: T('Add a chat channel and give critical approve rules approvers: 2', 'Добавьте канал мессенджера и укажите approvers: 2 для критичных правил одобрения'),
        };
      return { status: 'pass', summary: T(`Channels: ${f.approvals.channels.join(', ')}; ${nOfM.length} N-of-M rules`, `Каналы: ${f.approvals.channels.join(', ')}; правил N из M: ${nOfM.length}`), evidence };
    },
  },
  'ratelimits.set': {
    title: T('Rate limits bound what an agent can do', 'Ограничения частоты сдерживают действия агентов'),
    run: (f) => {
      const limits = f.policy.document.rateLimits.limits;
      const perAgent = limits.filter((l) => l.per.includes('agent')).map((l) => l.id);
      const evidence = { limits: limits.length, per_agent: cut(perAgent), backend: f.policy.document.rateLimits.backend ?? 'memory' };
      if (!limits.length) return { status: 'fail', summary: T('No rate limits are set', 'Ограничения частоты не заданы'), evidence, remediation: T('Add rateLimits.limits, at least one per agent', 'Добавьте rateLimits.limits, хотя бы одно на агента') };
      if (!perAgent.length) return { status: 'partial', summary: T(`${limits.length} limits, none per agent`, `Ограничений: ${limits.length}, ни одного на агента`), evidence, remediation: T('Add a limit with per: [org, agent]', 'Добавьте ограничение с per: [org, agent]') };
      return { status: 'pass', summary: T(`${limits.length} limits, ${perAgent.length} per agent`, `Ограничений: ${limits.length}, на агента: ${perAgent.length}`), evidence };
    },
  },
};

export function checkTitle(id: CheckId): Text {
  return SPECS[id].title;
}

/** Runs every check over the facts. */
export function runChecks(f: ComplianceFacts, ids: readonly CheckId[]): Record<string, CheckResult> {
  const out: Record<string, CheckResult> = {};
  for (const id of ids) {
    const r = SPECS[id].run(f);
    out[id] = { id, status: r.status, title: SPECS[id].title, summary: r.summary, evidence: r.evidence, remediation: r.status === 'pass' || r.status === 'not_applicable' ? NONE : (r.remediation ?? NONE) };
  }
  return out;
}
