import { useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';

export type StreamStatus = 'connecting' | 'open' | 'error';

/**
 * Subscribes to a Server-Sent Events stream under /api (the session cookie goes with it)
 * and calls `onEvent(name, data)` for each of `events`. EventSource reconnects by itself
 * after a dropped connection; an answer that is not a stream (401, 403, 5xx) closes it for
 * good, so then the session is checked (a 401 sends the user to sign-in) and the stream is
 * opened again a few seconds later. `status` lets pages show "reconnecting".
 */
export function useStream(path: string | undefined, events: string[], onEvent: (event: string, data: unknown) => void): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const names = events.join(',');
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!path) return;
    setStatus('connecting');
    const es = new EventSource(`/api${path}`, { withCredentials: true });
    es.onopen = () => setStatus('open');
    let retry: ReturnType<typeof setTimeout> | undefined;
    es.onerror = () => {
      if (es.readyState !== EventSource.CLOSED) return setStatus('connecting');
      setStatus('error');
      void api.get('/v1/me').catch(() => {});
      retry = setTimeout(() => setAttempt((n) => n + 1), 5000);
    };
    const listeners = names.split(',').filter(Boolean).map((name) => {
      const l = (e: MessageEvent) => {
        let data: unknown = e.data;
        try {
          data = JSON.parse(e.data as string);
        } catch {
          /* plain text event */
        }
        handler.current(name, data);
      };
      es.addEventListener(name, l);
      return [name, l] as const;
    });
    return () => {
      for (const [n, l] of listeners) es.removeEventListener(n, l);
      clearTimeout(retry);
      es.close();
    };
  }, [path, names, attempt]);
  return status;
}
