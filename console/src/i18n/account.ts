import type { Dict } from './index.tsx';

export default {
  en: { nav: 'account', title: 'account' },
  ru: { nav: 'account', title: 'account' },
} satisfies Dict;
