import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './index.css';
import { I18nProvider } from './i18n/index.tsx';
import { SessionProvider } from './lib/session.tsx';
import { Shell } from './shell.tsx';
import { BASE } from './lib/router.tsx';

// Links written for a hash router (`/console/#/signin?error=…`, e.g. from an OAuth callback)
// land on the matching history route.
const h = window.location.hash;
if (h.startsWith('#/')) {
  const [p, qs] = h.slice(1).split('?');
  const alias: Record<string, string> = { '/signin': '/sign-in', '/signup': '/sign-up' };
  window.history.replaceState(null, '', `${BASE}${alias[p!] ?? p}${qs ? `?${qs}` : ''}`);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <SessionProvider>
        <Shell />
      </SessionProvider>
    </I18nProvider>
  </StrictMode>,
);
