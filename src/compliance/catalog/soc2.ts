import type { Standard } from '../compliance.types.ts';

/** SOC 2 Trust Services Criteria (AICPA, 2017, revised points of focus 2022): the common criteria FlowLink's state can evidence. */
export const SOC2: Standard = {
  id: 'soc2',
  title: { en: 'SOC 2 (Trust Services Criteria, common criteria CC6–CC8)', ru: 'SOC 2 (Trust Services Criteria, общие критерии CC6–CC8)' },
  source: { en: 'AICPA TSC 2017 (revised points of focus 2022); only criteria FlowLink state can evidence', ru: 'AICPA TSC 2017 (ред. 2022); только критерии, которые подтверждаются состоянием FlowLink' },
  controls: [
    { id: 'CC6.1', title: { en: 'Logical access security over protected information assets', ru: 'Меры логического доступа к защищаемым информационным активам' }, checks: ['mfa.enforced', 'mfa.members', 'agents.scoped-expiring', 'secrets.no-plaintext', 'secrets.rotation'] },
    { id: 'CC6.2', title: { en: 'Registering, authorizing and removing users and credentials', ru: 'Регистрация, авторизация и отзыв пользователей и учётных данных' }, checks: ['agents.inactive', 'apikeys.unused', 'mfa.members'] },
    { id: 'CC6.3', title: { en: 'Role-based access, least privilege and segregation of duties', ru: 'Ролевой доступ, минимальные привилегии и разделение обязанностей' }, checks: ['agents.scoped-expiring', 'policy.server-coverage', 'approvals.channels'] },
    { id: 'CC6.6', title: { en: 'Protection against threats from outside the system boundary', ru: 'Защита от угроз из-за пределов границы системы' }, checks: ['shield.high-risk-gated', 'ratelimits.set', 'policy.server-coverage'] },
    { id: 'CC6.7', title: { en: 'Restricting the transmission and movement of information', ru: 'Ограничение передачи и перемещения информации' }, checks: ['secrets.no-plaintext', 'shield.high-risk-gated'] },
    { id: 'CC6.8', title: { en: 'Preventing and detecting unauthorized or malicious software', ru: 'Предотвращение и обнаружение несанкционированного или вредоносного ПО' }, checks: ['shield.pinning', 'shield.high-risk-gated'] },
    { id: 'CC7.1', title: { en: 'Detecting configuration changes and vulnerabilities', ru: 'Обнаружение изменений конфигурации и уязвимостей' }, checks: ['shield.pinning', 'audit.checkpoint'] },
    { id: 'CC7.2', title: { en: 'Monitoring system components for anomalies', ru: 'Мониторинг компонентов системы на аномалии' }, checks: ['siem.delivering', 'audit.chain'] },
    { id: 'CC7.3', title: { en: 'Evaluating security events', ru: 'Оценка событий безопасности' }, checks: ['siem.delivering', 'retention.configured'] },
    { id: 'CC7.4', title: { en: 'Responding to security incidents', ru: 'Реагирование на инциденты безопасности' }, checks: ['approvals.channels', 'siem.delivering', 'audit.checkpoint'] },
    { id: 'CC8.1', title: { en: 'Authorizing, recording and approving changes', ru: 'Авторизация, регистрация и утверждение изменений' }, checks: ['audit.chain', 'approvals.channels', 'policy.server-coverage'] },
  ],
};
