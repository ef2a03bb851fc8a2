import type { Dict } from './index.tsx';

export default {
  en: { nav: 'overview', title: 'overview' },
  ru: { nav: 'overview', title: 'overview' },
} satisfies Dict;
