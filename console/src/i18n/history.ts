import type { Dict } from './index.tsx';

export default {
  en: { nav: 'history', title: 'history' },
  ru: { nav: 'history', title: 'history' },
} satisfies Dict;
