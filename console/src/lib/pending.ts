import { useEffect, useState } from 'react';
import { api, orgPath, type Approval } from '../api.ts';

const POLL_MS = 15_000;
export const APPROVALS_CHANGED = 'fl:approvals-changed';

/**
 * How many approval requests wait in this org: shown in the menu and the tab title. Polled
 * (a second event stream per tab would eat into the browser's six connections per host),
 * and refreshed at once when the approvals pages see a change (APPROVALS_CHANGED).
 */
export function usePendingCount(orgId: string | undefined): number | undefined {
  const [n, setN] = useState<number>();
  useEffect(() => {
    if (!orgId) return;
    let stop = false;
    const load = () =>
      api
        .get<{ approvals: Approval[] }>(orgPath(orgId, '/approvals'), { state: 'pending', limit: 200 })
        .then((r) => !stop && setN(r.approvals.length))
        .catch(() => {});
    void load();
    const id = setInterval(load, POLL_MS);
    window.addEventListener(APPROVALS_CHANGED, load);
    return () => {
      stop = true;
      clearInterval(id);
      window.removeEventListener(APPROVALS_CHANGED, load);
    };
  }, [orgId]);
  return n;
}
