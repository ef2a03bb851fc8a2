import { createContext, useContext, useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/**
 * A tiny history router: the console lives under /console/ (FlowLink serves index.html for
 * every path below it), so a page's address can be shared and reloaded.
 */
export const BASE = '/console';

function current(): string {
  const p = window.location.pathname;
  const rest = p.startsWith(BASE) ? p.slice(BASE.length) : p;
  return (rest || '/') + window.location.search;
}

const listeners = new Set<() => void>();
function subscribe(fn: () => void) {
  listeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
}

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  const url = BASE + (to.startsWith('/') ? to : `/${to}`);
  if (opts.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.scrollTo(0, 0);
  for (const l of listeners) l();
}

/** The path below /console (with its query string). */
export function useLocation(): string {
  return useSyncExternalStore(subscribe, current);
}

export function useQueryParams(): URLSearchParams {
  const loc = useLocation();
  const i = loc.indexOf('?');
  return new URLSearchParams(i >= 0 ? loc.slice(i + 1) : '');
}

/** Matches `/approvals/:id` against a path; returns the params or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const clean = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  const a = pattern.split('/');
  const b = clean.split('/');
  if (a.length !== b.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const seg = a[i]!;
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(b[i]!);
    else if (seg !== b[i]) return undefined;
  }
  return params;
}

export const ParamsContext = createContext<Record<string, string>>({});
export const useParams = () => useContext(ParamsContext);

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  return (
    <a
      href={BASE + to}
      onClick={(e: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
      {...rest}
    />
  );
}

export function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
