import type { Dict } from './index.tsx';

export default {
  en: { nav: 'activity', title: 'activity' },
  ru: { nav: 'activity', title: 'activity' },
} satisfies Dict;
