import type { Dict } from './index.tsx';

export default {
  en: { nav: 'call', title: 'call' },
  ru: { nav: 'call', title: 'call' },
} satisfies Dict;
