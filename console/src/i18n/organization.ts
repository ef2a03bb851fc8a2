import type { Dict } from './index.tsx';

export default {
  en: { nav: 'organization', title: 'organization' },
  ru: { nav: 'organization', title: 'organization' },
} satisfies Dict;
