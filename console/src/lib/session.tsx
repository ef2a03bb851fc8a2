import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, setUnauthorizedHandler, type Me, type OrgSummary } from '../api.ts';
import { navigate } from './router.tsx';

/**
 * Who is signed in and which organization the console is looking at. The chosen org is
 * remembered per browser; a 401 from any request drops the session and shows sign-in.
 */
interface SessionState {
  me: Me | undefined;
  /** undefined while the first /v1/me is in flight. */
  status: 'loading' | 'signed-in' | 'signed-out';
  org: OrgSummary | undefined;
  setOrg(id: string): void;
  refresh(): Promise<Me | undefined>;
  signOut(): Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);
const ORG_KEY = 'fl.org';

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me>();
  const [status, setStatus] = useState<SessionState['status']>('loading');
  const [orgId, setOrgId] = useState<string | null>(() => localStorage.getItem(ORG_KEY));

  const refresh = useCallback(async () => {
    try {
      const m = await api.get<Me>('/v1/me', undefined, { quiet401: true });
      setMe(m);
      setStatus('signed-in');
      return m;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setMe(undefined);
        setStatus('signed-out');
        return undefined;
      }
      throw e;
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setStatus('signed-out'));
    setUnauthorizedHandler(() => {
      setMe(undefined);
      setStatus('signed-out');
    });
    return () => setUnauthorizedHandler(undefined);
  }, [refresh]);

  const signOut = useCallback(async () => {
    await api.post('/v1/auth/sign-out').catch(() => {});
    setMe(undefined);
    setStatus('signed-out');
    navigate('/sign-in');
  }, []);

  const setOrg = useCallback((id: string) => {
    localStorage.setItem(ORG_KEY, id);
    setOrgId(id);
  }, []);

  const org = me?.orgs.find((o) => o.id === orgId) ?? me?.orgs[0];
  const value = useMemo<SessionState>(() => ({ me, status, org, setOrg, refresh, signOut }), [me, status, org, setOrg, refresh, signOut]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const c = useContext(Ctx);
  if (!c) throw new Error('useSession outside SessionProvider');
  return c;
}

/** The current org (pages behind sign-in can rely on it: the shell renders them only with one). */
export function useOrg(): OrgSummary {
  const o = useSession().org;
  if (!o) throw new Error('useOrg without an organization');
  return o;
}
