import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api.ts';

export interface Query<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
  /** Replace the data locally (after a live update or an action's answer). */
  set(fn: (old: T | undefined) => T | undefined): void;
}

/**
 * GETs `path` (undefined: wait) and keeps loading/error/data; reloads when the path or
 * query changes. Old answers that arrive late never overwrite newer ones.
 */
export function useQuery<T>(path: string | undefined, query?: Record<string, string | number | boolean | undefined>): Query<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== undefined);
  const [tick, setTick] = useState(0);
  const key = path === undefined ? undefined : `${path}?${JSON.stringify(query ?? {})}`;
  const seq = useRef(0);
  useEffect(() => {
    if (key === undefined || path === undefined) return;
    const mine = ++seq.current;
    const ctl = new AbortController();
    setLoading(true);
    api
      .get<T>(path, query, { signal: ctl.signal })
      .then((d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (mine !== seq.current || (e as Error).name === 'AbortError') return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'client', (e as Error).message));
      })
      .finally(() => {
        if (mine === seq.current) setLoading(false);
      });
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, set: setData as Query<T>['set'] };
}

/** Runs an action, keeps its pending state and error (for buttons and forms). */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setPending(true);
      setError(undefined);
      try {
        return await fn(...args);
      } catch (e) {
        setError(e instanceof ApiError ? e : new ApiError(0, 'client', (e as Error).message));
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [fn],
  );
  return { run, pending, error, setError };
}
