import type { Standard } from '../compliance.types.ts';

const processLevel = { en: 'Mapped at the level of the standard\'s process area, not to numbered measures', ru: 'Сопоставлено на уровне процесса (подпроцесса) стандарта, без номеров отдельных мер' };

/**
 * ГОСТ Р 57580.1-2017 (financial organizations). Controls are the standard's process areas
 * (subprocesses) by their abbreviations; FlowLink evidences technical measures in each, not
 * the organizational ones, and the mapping does not cite individual measure numbers.
 */
export const GOST_57580: Standard = {
  id: 'gost-57580',
  title: { en: 'GOST R 57580.1-2017 (process areas)', ru: 'ГОСТ Р 57580.1-2017 (процессы защиты информации)' },
  source: { en: 'GOST R 57580.1-2017; process-level mapping of technical measures', ru: 'ГОСТ Р 57580.1-2017; сопоставление технических мер на уровне процессов' },
  controls: [
    { id: 'УЗП', title: { en: 'Management of accounts and logical access rights', ru: 'Управление учётными записями и правами субъектов логического доступа' }, checks: ['mfa.members', 'agents.inactive', 'apikeys.unused', 'agents.scoped-expiring'], note: processLevel },
    { id: 'РД', title: { en: 'Identification, authentication and authorization of logical access', ru: 'Идентификация, аутентификация, авторизация (разграничение доступа) при логическом доступе' }, checks: ['mfa.enforced', 'mfa.members', 'policy.server-coverage', 'approvals.channels'], note: processLevel },
    { id: 'ИУ', title: { en: 'Identification and inventory of resources and access objects', ru: 'Идентификация и учёт ресурсов и объектов доступа' }, checks: ['policy.server-coverage', 'shield.pinning'], note: processLevel },
    { id: 'ЦЗИ', title: { en: 'Integrity and security control of the information infrastructure', ru: 'Контроль целостности и защищённости информационной инфраструктуры' }, checks: ['shield.pinning', 'shield.high-risk-gated', 'audit.checkpoint'], note: processLevel },
    { id: 'ПУИ', title: { en: 'Prevention of information leaks', ru: 'Предотвращение утечек информации' }, checks: ['secrets.no-plaintext', 'secrets.rotation'], note: processLevel },
    { id: 'МАС', title: { en: 'Monitoring and analysis of security events', ru: 'Мониторинг и анализ событий защиты информации' }, checks: ['audit.chain', 'siem.delivering', 'retention.configured'], note: processLevel },
    { id: 'РИ', title: { en: 'Detection of and response to security incidents', ru: 'Обнаружение инцидентов защиты информации и реагирование на них' }, checks: ['siem.delivering', 'approvals.channels', 'audit.checkpoint'], note: processLevel },
  ],
};
