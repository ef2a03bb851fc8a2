import type { Dict } from './index.tsx';

export default {
  en: { nav: 'approval', title: 'approval' },
  ru: { nav: 'approval', title: 'approval' },
} satisfies Dict;
