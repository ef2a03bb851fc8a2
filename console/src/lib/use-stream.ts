import { useEffect, useRef, useState } from 'react';

export type StreamStatus = 'connecting' | 'open' | 'error';

/**
 * Subscribes to a Server-Sent Events stream under /api (the session cookie goes with it)
 * and calls `onEvent(name, data)` for each of `events`. EventSource reconnects by itself;
 * `status` says whether the stream is live, so pages can show "reconnecting".
 */
export function useStream(path: string | undefined, events: string[], onEvent: (event: string, data: unknown) => void): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const names = events.join(',');
  useEffect(() => {
    if (!path) return;
    setStatus('connecting');
    const es = new EventSource(`/api${path}`, { withCredentials: true });
    es.onopen = () => setStatus('open');
    es.onerror = () => setStatus(es.readyState === EventSource.CLOSED ? 'error' : 'connecting');
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
      es.close();
    };
  }, [path, names]);
  return status;
}
