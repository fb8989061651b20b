import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { api, type Session } from './api';

interface SessionState {
  /** undefined while the first GET /session is in flight; null when signed out. */
  session: Session | null | undefined;
  signedIn(session: Session): void;
  signOut(): Promise<void>;
  /** Called when the server answers NOT_SIGNED_IN (the session expired meanwhile). */
  expired(): void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    // Any failure (NOT_SIGNED_IN or otherwise) leads to the sign-in page, which reports its own errors.
    api.session().then(setSession, () => setSession(null));
  }, []);

  const signOut = useCallback(async () => {
    await api.signOut();
    setSession(null);
  }, []);
  const expired = useCallback(() => setSession(null), []);

  return <SessionContext.Provider value={{ session, signedIn: setSession, signOut, expired }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** Renders its children for a signed-in user; sends anyone else to /signin and back afterwards. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (session === undefined) return <p className="loading" role="status">Loading…</p>;
  if (session === null) return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  return children;
}
