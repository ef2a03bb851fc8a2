import type { Standard } from '../compliance.types.ts';

const group = { en: 'Mapped to the measure group as a whole', ru: 'Сопоставлено с группой мер в целом' };

/**
 * ФСТЭК России: measures of orders No. 17 (state information systems), No. 21 (personal
 * data) and No. 239 (critical information infrastructure). The three orders share the
 * measure codes; not every measure is required in every order or protection class.
 */
export const FSTEC: Standard = {
  id: 'fstec',
  title: { en: 'FSTEC of Russia orders No. 17, 21, 239 (security measures)', ru: 'Приказы ФСТЭК России № 17, 21, 239 (меры защиты информации)' },
  source: { en: 'Measure codes common to orders 17, 21 and 239; applicability depends on the order and class', ru: 'Коды мер, общие для приказов 17, 21 и 239; применимость зависит от приказа и класса (категории)' },
  controls: [
    { id: 'ИАФ.1', title: { en: 'Identification and authentication of users (the operator\'s staff)', ru: 'Идентификация и аутентификация пользователей, являющихся работниками оператора' }, checks: ['mfa.enforced', 'mfa.members'] },
    { id: 'ИАФ.4', title: { en: 'Management of authenticators (issue, storage, blocking, compromise)', ru: 'Управление средствами аутентификации (хранение, выдача, блокирование, меры при компрометации)' }, checks: ['agents.scoped-expiring', 'secrets.rotation', 'apikeys.unused'] },
    { id: 'УПД.1', title: { en: 'Management of user accounts (creation, activation, blocking, removal)', ru: 'Управление (заведение, активация, блокирование и уничтожение) учётными записями пользователей' }, checks: ['agents.inactive', 'apikeys.unused'] },
    { id: 'УПД.2', title: { en: 'Access control methods, types and rules', ru: 'Реализация методов, типов и правил разграничения доступа' }, checks: ['policy.server-coverage', 'agents.scoped-expiring'] },
    { id: 'УПД.5', title: { en: 'Least rights and privileges', ru: 'Назначение минимально необходимых прав и привилегий' }, checks: ['agents.scoped-expiring', 'approvals.channels'] },
    { id: 'РСБ.3', title: { en: 'Collection, recording and storage of security events for the set retention time', ru: 'Сбор, запись и хранение информации о событиях безопасности в течение установленного времени хранения' }, checks: ['audit.chain', 'retention.configured'] },
    { id: 'РСБ.5', title: { en: 'Monitoring and analysis of recorded security events and response', ru: 'Мониторинг (просмотр, анализ) результатов регистрации событий безопасности и реагирование на них' }, checks: ['siem.delivering'] },
    { id: 'РСБ.7', title: { en: 'Protection of security event information', ru: 'Защита информации о событиях безопасности' }, checks: ['audit.chain', 'audit.checkpoint'] },
    { id: 'ИНЦ.2', title: { en: 'Detection, identification and recording of incidents', ru: 'Обнаружение, идентификация и регистрация инцидентов' }, checks: ['siem.delivering', 'shield.high-risk-gated'] },
    { id: 'ИНЦ.3', title: { en: 'Timely notification of those responsible for incidents', ru: 'Своевременное информирование ответственных лиц о возникновении инцидентов' }, checks: ['approvals.channels', 'siem.delivering'] },
    { id: 'УКФ.2', title: { en: 'Management of configuration changes', ru: 'Управление изменениями конфигурации информационной системы и системы защиты информации' }, checks: ['shield.pinning', 'approvals.channels'] },
    { id: 'АНЗ', title: { en: 'Security analysis (vulnerabilities, configuration)', ru: 'Контроль (анализ) защищённости информации' }, checks: ['shield.high-risk-gated', 'shield.pinning'], note: group },
    { id: 'ЗИС', title: { en: 'Protection of the system, its means and communications', ru: 'Защита информационной системы, её средств, систем связи и передачи данных' }, checks: ['secrets.no-plaintext', 'ratelimits.set'], note: group },
  ],
};
