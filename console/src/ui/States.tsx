import type { ReactNode } from 'react';
import type { ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { Button } from './Button.tsx';

export function Loading({ label }: { label?: string }) {
  const t = useT();
  return (
    <div role="status" className="flex items-center gap-3 p-6 text-sm text-slate-500 dark:text-slate-400">
      <span className="size-4 animate-spin rounded-full border-2 border-indigo-500 border-t-transparent" aria-hidden />
      {label ?? t('common.loading')}
    </div>
  );
}

export function EmptyState({ title, children }: { title?: string; children?: ReactNode }) {
  const t = useT();
  return (
    <div data-testid="empty" className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:border-slate-700 dark:text-slate-400">
      <p className="font-medium text-slate-700 dark:text-slate-200">{title ?? t('common.empty')}</p>
      {children && <div className="mt-2">{children}</div>}
    </div>
  );
}

/** Shows an API error with its stable code (useful when reporting a problem) and a retry button. */
export function ErrorState({ error, onRetry }: { error: ApiError | Error; onRetry?: () => void }) {
  const t = useT();
  const code = (error as ApiError).code;
  return (
    <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      <p className="font-medium">{t('common.error')}</p>
      <p className="mt-1">
        {error.message}
        {code && <code className="ml-2 rounded bg-red-100 px-1 text-xs dark:bg-red-900">{code}</code>}
      </p>
      {onRetry && (
        <Button className="mt-3" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      )}
    </div>
  );
}

/** Loading → error → empty → content, the order every page follows. */
export function Async<T>({ q, empty, children }: { q: { data: T | undefined; error: ApiError | undefined; loading: boolean; reload(): void }; empty?: (d: T) => boolean; children: (d: T) => ReactNode }) {
  if (q.error && q.data === undefined) return <ErrorState error={q.error} onRetry={q.reload} />;
  if (q.data === undefined) return <Loading />;
  if (empty?.(q.data)) return <EmptyState />;
  return <>{children(q.data)}</>;
}
