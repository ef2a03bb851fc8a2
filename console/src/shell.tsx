import { Suspense, useEffect, useState } from 'react';
import { pages, SECTIONS, type PageDef } from './pages/index.ts';
import { Link, match, navigate, ParamsContext, Redirect, useLocation } from './lib/router.tsx';
import { useSession } from './lib/session.tsx';
import { can } from './lib/roles.ts';
import { useI18n, LANGS, type Lang } from './i18n/index.tsx';
import { useTheme, type Theme } from './lib/theme.ts';
import { usePendingCount } from './lib/pending.ts';
import { Loading, EmptyState, Button } from './ui/index.ts';

function find(path: string): { page: PageDef; params: Record<string, string> } | undefined {
  for (const page of pages) {
    const params = match(page.path, path);
    if (params) return { page, params };
  }
  return undefined;
}

/** Language and theme pickers: on every screen, signed in or not. */
export function Preferences({ compact }: { compact?: boolean }) {
  const { lang, setLang, t } = useI18n();
  const [theme, setTheme] = useTheme();
  const sel = 'rounded-md border-0 bg-transparent py-1 pl-2 pr-7 text-sm ring-1 ring-inset ring-slate-300 dark:ring-slate-700 dark:bg-slate-900';
  return (
    <div className={`flex items-center gap-2 ${compact ? '' : 'flex-wrap'}`}>
      <select aria-label={t('common.language')} data-testid="lang" className={sel} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        {LANGS.map((l) => (
          <option key={l} value={l}>
            {l === 'en' ? 'English' : 'Русский'}
          </option>
        ))}
      </select>
      <select aria-label={t('common.theme')} data-testid="theme" className={sel} value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        <option value="system">{t('common.themeSystem')}</option>
        <option value="light">{t('common.themeLight')}</option>
        <option value="dark">{t('common.themeDark')}</option>
      </select>
    </div>
  );
}

function Nav({ onNavigate }: { onNavigate?: () => void }) {
  const { t } = useI18n();
  const { org } = useSession();
  const loc = useLocation().split('?')[0]!;
  const pending = usePendingCount(can(org?.role, 'org.read') ? org?.id : undefined);
  useEffect(() => {
    document.title = pending ? `(${pending}) FlowLink` : 'FlowLink';
  }, [pending]);
  return (
    <nav aria-label={t('common.menu')} className="space-y-5">
      {SECTIONS.map((section) => {
        const items = pages.filter((p) => p.nav && p.section === section && can(org?.role, p.perm));
        if (!items.length) return null;
        return (
          <div key={section}>
            <p className="px-2 text-xs font-semibold uppercase tracking-wide text-slate-400">{t(`shell.section_${section}`)}</p>
            <ul className="mt-1 space-y-0.5">
              {items.map((p) => {
                const active = p.path === '/' ? loc === '/' : loc === p.path || loc.startsWith(p.path + '/');
                return (
                  <li key={p.path}>
                    <Link
                      to={p.path}
                      onClick={onNavigate}
                      aria-current={active ? 'page' : undefined}
                      className={`block rounded-md px-2 py-1.5 text-sm ${active ? 'bg-indigo-50 font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300' : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'}`}
                    >
                      {t(p.nav!)}
                      {p.path === '/approvals' && pending ? (
                        <span data-testid="pending-count" className="ml-2 rounded-full bg-amber-500 px-1.5 py-0.5 text-xs font-semibold text-white">
                          {pending}
                        </span>
                      ) : null}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}

function OrgPicker() {
  const { t } = useI18n();
  const { me, org, setOrg } = useSession();
  if (!me || me.orgs.length === 0) return null;
  return (
    <select aria-label={t('shell.switchOrg')} className="w-full rounded-md border-0 bg-transparent py-1 pl-2 pr-7 text-sm font-medium ring-1 ring-inset ring-slate-300 dark:bg-slate-900 dark:ring-slate-700" value={org?.id} onChange={(e) => setOrg(e.target.value)}>
      {me.orgs.map((o) => (
        <option key={o.id} value={o.id}>
          {o.name} · {t(`common.role_${o.role}`)}
        </option>
      ))}
    </select>
  );
}

function Frame({ children }: { children: React.ReactNode }) {
  const { t } = useI18n();
  const { me, signOut } = useSession();
  const [menu, setMenu] = useState(false);
  return (
    <div className="min-h-full lg:flex">
      <a href="#main" className="sr-only focus:not-sr-only">
        {t('shell.skip')}
      </a>
      <header className="sticky top-0 z-20 flex items-center justify-between gap-2 border-b border-slate-200 bg-white/90 px-3 py-2 backdrop-blur lg:hidden dark:border-slate-800 dark:bg-slate-950/90">
        <Link to="/" className="font-semibold">
          FlowLink
        </Link>
        <Button variant="ghost" aria-expanded={menu} aria-controls="sidebar" onClick={() => setMenu((m) => !m)}>
          ☰ {t('common.menu')}
        </Button>
      </header>
      <aside
        id="sidebar"
        className={`${menu ? 'block' : 'hidden'} border-b border-slate-200 bg-slate-50 p-3 lg:sticky lg:top-0 lg:block lg:h-screen lg:w-60 lg:shrink-0 lg:overflow-y-auto lg:border-b-0 lg:border-r dark:border-slate-800 dark:bg-slate-900/50`}
      >
        <div className="mb-4 hidden px-2 text-lg font-semibold lg:block">
          <Link to="/">FlowLink</Link>
        </div>
        <div className="mb-4">
          <OrgPicker />
        </div>
        <Nav onNavigate={() => setMenu(false)} />
        <div className="mt-6 space-y-3 border-t border-slate-200 pt-4 dark:border-slate-800">
          <Preferences />
          <p className="truncate px-1 text-xs text-slate-500" title={me?.user.email}>
            {me?.user.email}
          </p>
          <Button variant="ghost" className="w-full justify-start" data-testid="sign-out" onClick={() => void signOut()}>
            {t('common.signOut')}
          </Button>
        </div>
      </aside>
      <main id="main" className="min-w-0 flex-1 p-3 sm:p-6">
        {children}
      </main>
    </div>
  );
}

export function Shell() {
  const loc = useLocation();
  const path = loc.split('?')[0]!;
  const { status, me, org } = useSession();
  const { t, useUser } = useI18n();
  useEffect(() => useUser(me?.user.id), [me?.user.id, useUser]);
  const found = find(path);
  // Fetch the page's code while the session is still being checked.
  if (found) void found.page.component.preload();

  if (status === 'loading') return <Loading />;
  if (found?.page.public) {
    // A signed-in user has nothing to do on sign-in (the reset page stays reachable).
    if (status === 'signed-in' && found.page.path !== '/reset') return <Redirect to="/" />;
    const Page = found.page.component;
    return (
      <Suspense fallback={<Loading />}>
        <ParamsContext.Provider value={found.params}>
          <Page />
        </ParamsContext.Provider>
      </Suspense>
    );
  }
  if (status === 'signed-out') {
    // The fragment goes along: invite links carry their token there.
    const back = loc + window.location.hash;
    return <Redirect to={`/sign-in${back !== '/' ? `?next=${encodeURIComponent(back)}` : ''}`} />;
  }
  if (!found) {
    return (
      <Frame>
        <EmptyState title={t('common.notFound')}>
          <Button onClick={() => navigate('/')}>{t('common.backHome')}</Button>
        </EmptyState>
      </Frame>
    );
  }
  const Page = found.page.component;
  const needsOrg = found.page.perm !== undefined;
  let body: React.ReactNode;
  if (needsOrg && !org) body = <EmptyState title={t('common.noOrg')} />;
  else if (!can(org?.role, found.page.perm)) body = <EmptyState title={t('common.forbidden')} />;
  else
    body = (
      <Suspense fallback={<Loading />}>
        <ParamsContext.Provider value={found.params}>
          {/* A new org remounts the page, so nothing of the previous org lingers. */}
          <Page key={org?.id ?? 'none'} />
        </ParamsContext.Provider>
      </Suspense>
    );
  return <Frame>{body}</Frame>;
}
