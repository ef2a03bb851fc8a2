import type { Standard } from '../compliance.types.ts';

/**
 * OWASP Top 10 for Model Context Protocol, v0.1 (2025, beta), as listed in the project's
 * repository (OWASP/www-project-mcp-top-10, tab_top10.md). MCP06 was earlier titled
 * "Prompt Injection via Contextual Payloads". The list is a beta and may still change.
 */
export const OWASP_MCP: Standard = {
  id: 'owasp-mcp',
  title: { en: 'OWASP MCP Top 10 (v0.1, 2025 beta)', ru: 'OWASP MCP Top 10 (v0.1, бета 2025)' },
  source: { en: 'OWASP Top 10 for Model Context Protocol v0.1 (beta); titles as published by the project', ru: 'OWASP Top 10 for Model Context Protocol v0.1 (бета); названия по публикации проекта' },
  controls: [
    { id: 'MCP01', title: { en: 'Token Mismanagement & Secret Exposure', ru: 'Небезопасное обращение с токенами и раскрытие секретов' }, checks: ['secrets.no-plaintext', 'secrets.rotation', 'agents.scoped-expiring'] },
    { id: 'MCP02', title: { en: 'Privilege Escalation via Scope Creep', ru: 'Повышение привилегий через расширение областей доступа' }, checks: ['agents.scoped-expiring', 'agents.inactive', 'apikeys.unused'] },
    { id: 'MCP03', title: { en: 'Tool Poisoning', ru: 'Отравление инструментов' }, checks: ['shield.pinning'] },
    {
      id: 'MCP04',
      title: { en: 'Software Supply Chain Attacks & Dependency Tampering', ru: 'Атаки на цепочку поставок ПО и подмена зависимостей' },
      checks: ['shield.pinning', 'policy.server-coverage'],
      note: { en: 'Partial: FlowLink pins tool definitions; it does not verify package signatures of MCP servers', ru: 'Частично: FlowLink закрепляет определения инструментов, но не проверяет подписи пакетов MCP-серверов' },
    },
    { id: 'MCP05', title: { en: 'Command Injection & Execution', ru: 'Внедрение и выполнение команд' }, checks: ['shield.high-risk-gated', 'approvals.channels'] },
    { id: 'MCP06', title: { en: 'Intent Flow Subversion', ru: 'Подмена потока намерений (Intent Flow Subversion)' }, checks: ['shield.high-risk-gated', 'approvals.channels', 'ratelimits.set'] },
    { id: 'MCP07', title: { en: 'Insufficient Authentication & Authorization', ru: 'Недостаточная аутентификация и авторизация' }, checks: ['mfa.enforced', 'mfa.members', 'agents.scoped-expiring', 'policy.server-coverage'] },
    { id: 'MCP08', title: { en: 'Lack of Audit and Telemetry', ru: 'Отсутствие аудита и телеметрии' }, checks: ['audit.chain', 'audit.checkpoint', 'siem.delivering', 'retention.configured'] },
    {
      id: 'MCP09',
      title: { en: 'Shadow MCP Servers', ru: 'Теневые MCP-серверы' },
      checks: ['policy.server-coverage', 'shield.pinning'],
      note: { en: 'Partial: covers servers reached through FlowLink; servers agents reach directly are out of its sight', ru: 'Частично: охватывает серверы, доступные через FlowLink; прямые подключения агентов вне его видимости' },
    },
    { id: 'MCP10', title: { en: 'Context Injection & Over-Sharing', ru: 'Внедрение контекста и избыточное раскрытие' }, checks: ['agents.scoped-expiring', 'secrets.no-plaintext'] },
  ],
};
