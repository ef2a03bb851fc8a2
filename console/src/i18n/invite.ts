import type { Dict } from './index.tsx';

export default {
  en: { nav: 'invite', title: 'invite' },
  ru: { nav: 'invite', title: 'invite' },
} satisfies Dict;
