import type { Dict } from './index.tsx';

export default {
  en: { nav: 'policies', title: 'policies' },
  ru: { nav: 'policies', title: 'policies' },
} satisfies Dict;
