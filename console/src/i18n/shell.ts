import type { Dict } from './index.tsx';

export default {
  en: {
    section_monitor: 'Monitor',
    section_govern: 'Govern',
    section_connect: 'Connect',
    section_settings: 'Settings',
    switchOrg: 'Organization',
    skip: 'Skip to content',
  },
  ru: {
    section_monitor: 'Наблюдение',
    section_govern: 'Управление',
    section_connect: 'Подключения',
    section_settings: 'Настройки',
    switchOrg: 'Организация',
    skip: 'К содержимому',
  },
} satisfies Dict;
