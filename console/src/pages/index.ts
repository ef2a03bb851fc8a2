import { lazy, type PageComponent } from '../lib/lazy-page.ts';
import type { Permission } from '../lib/roles.ts';

/**
 * The console's pages: one entry per route. To add a page, write `pages/<name>.tsx`
 * (default export), its translations in `i18n/<name>.ts`, and append an entry here.
 *
 * - path: below /console, with `:params` (read them with useParams());
 * - nav: the i18n key of its menu label (no nav: reachable by link only);
 * - section: where the menu shows it;
 * - perm: the permission the page needs (src/identity/roles.ts); the menu hides it and the
 *   shell refuses it for roles without it (the API refuses anyway);
 * - public: shown without a session (sign-in and friends), in the bare layout.
 */
export interface PageDef {
  path: string;
  component: PageComponent;
  nav?: string;
  section?: 'monitor' | 'govern' | 'connect' | 'settings';
  perm?: Permission;
  public?: boolean;
}

export const SECTIONS: PageDef['section'][] = ['monitor', 'govern', 'connect', 'settings'];

export const pages: PageDef[] = [
  // Signed out
  { path: '/sign-in', component: lazy(() => import('./sign-in.tsx')), public: true },
  { path: '/sign-up', component: lazy(() => import('./sign-up.tsx')), public: true },
  { path: '/forgot', component: lazy(() => import('./forgot.tsx')), public: true },
  { path: '/reset', component: lazy(() => import('./reset.tsx')), public: true },

  // Monitor
  { path: '/', component: lazy(() => import('./overview.tsx')), nav: 'overview.nav', section: 'monitor', perm: 'stats.read' },
  { path: '/activity', component: lazy(() => import('./activity.tsx')), nav: 'activity.nav', section: 'monitor', perm: 'history.read' },
  { path: '/calls/:id', component: lazy(() => import('./call.tsx')), perm: 'history.read' },
  { path: '/approvals', component: lazy(() => import('./approvals.tsx')), nav: 'approvals.nav', section: 'monitor', perm: 'org.read' },
  { path: '/approvals/:id', component: lazy(() => import('./approval.tsx')), perm: 'org.read' },
  { path: '/history', component: lazy(() => import('./history.tsx')), nav: 'history.nav', section: 'monitor', perm: 'history.read' },

  // Govern
  { path: '/policies', component: lazy(() => import('./policies.tsx')), nav: 'policies.nav', section: 'govern', perm: 'policies.read' },
  { path: '/shield', component: lazy(() => import('./shield.tsx')), nav: 'shield.nav', section: 'govern', perm: 'shield.read' },
  { path: '/compliance', component: lazy(() => import('./compliance.tsx')), nav: 'compliance.nav', section: 'govern', perm: 'reports.read' },

  // Connect
  { path: '/servers', component: lazy(() => import('./servers.tsx')), nav: 'servers.nav', section: 'connect', perm: 'servers.read' },
  { path: '/agents', component: lazy(() => import('./agents.tsx')), nav: 'agents.nav', section: 'connect', perm: 'agents.read' },
  { path: '/secrets', component: lazy(() => import('./secrets.tsx')), nav: 'secrets.nav', section: 'connect', perm: 'secrets.read' },
  { path: '/integrations', component: lazy(() => import('./integrations.tsx')), nav: 'integrations.nav', section: 'connect', perm: 'org.read' },

  // Settings
  { path: '/organization', component: lazy(() => import('./organization.tsx')), nav: 'organization.nav', section: 'settings', perm: 'members.read' },
  { path: '/invite', component: lazy(() => import('./invite.tsx')) },
  { path: '/account', component: lazy(() => import('./account.tsx')), nav: 'account.nav', section: 'settings' },
];
