import type { Dict } from './index.tsx';

export default {
  en: { nav: 'approvals', title: 'approvals' },
  ru: { nav: 'approvals', title: 'approvals' },
} satisfies Dict;
