import type { Dict } from './index.tsx';

export default {
  en: {
    title: 'Not available on this server',
    titleWhat: '{what}: not available on this server',
    body: 'This FlowLink does not offer this API (an older version, or the module is not enabled). Everything else on the page still works.',
  },
  ru: {
    title: 'Недоступно на этом сервере',
    titleWhat: '{what}: недоступно на этом сервере',
    body: 'Этот FlowLink не предоставляет такой API (более старая версия или модуль не включён). Остальное на странице работает.',
  },
} satisfies Dict;
