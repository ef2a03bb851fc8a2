import type { ReactNode } from 'react';
import type { ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { Async } from './States.tsx';

/**
 * True when the server has no such route at all (an older FlowLink, or a module this
 * installation does not run): the API's catch-all answers 404 "no route METHOD PATH".
 * A 404 about a missing record (another org's id, a deleted name) is a different answer.
 */
export function isMissingApi(e: ApiError | Error | undefined): boolean {
  return !!e && (e as ApiError).status === 404 && e.message.startsWith('no route ');
}

/** The clear "not available on this server" state a page shows instead of an error. */
export function NotAvailable({ what }: { what?: string }) {
  const t = useT();
  return (
    <div data-testid="not-available" className="rounded-lg border border-dashed border-amber-300 bg-amber-50 p-6 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
      <p className="font-medium">{what ? t('unavailable.titleWhat', { what }) : t('unavailable.title')}</p>
      <p className="mt-1">{t('unavailable.body')}</p>
    </div>
  );
}

/** Async, with "not available on this server" for a route the server does not have. */
export function AsyncOrMissing<T>({ q, what, empty, children }: { q: { data: T | undefined; error: ApiError | undefined; loading: boolean; reload(): void }; what?: string; empty?: (d: T) => boolean; children: (d: T) => ReactNode }) {
  if (q.data === undefined && isMissingApi(q.error)) return <NotAvailable {...(what ? { what } : {})} />;
  return <Async q={q} {...(empty ? { empty } : {})}>{children}</Async>;
}
