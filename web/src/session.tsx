import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { api, type Session } from './api';

/** Why a session that existed in this tab is gone: the sign-in page says so. */
type Ending = 'signed-out' | 'expired';

const ENDINGS: Record<Ending, string> = {
  'signed-out': 'You are signed out.',
  expired: 'Your session has ended. Sign in again to continue.',
};

interface SessionState {
  /** undefined while the first GET /session is in flight; null when signed out. */
  session: Session | null | undefined;
  ending: Ending | undefined;
  signedIn(session: Session): void;
  signOut(): Promise<void>;
  /** Called when the server answers NOT_SIGNED_IN (the session expired meanwhile). */
  expired(): void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [ending, setEnding] = useState<Ending>();

  useEffect(() => {
    // Any failure (NOT_SIGNED_IN or otherwise) leads to the sign-in page, which reports its own errors.
    api.session().then(setSession, () => setSession(null));
  }, []);

  const end = useCallback((why: Ending) => {
    setEnding(why);
    setSession(null);
  }, []);
  const signOut = useCallback(async () => {
    await api.signOut();
    end('signed-out');
  }, [end]);
  const expired = useCallback(() => end('expired'), [end]);
  const signedIn = useCallback((next: Session) => {
    setEnding(undefined);
    setSession(next);
  }, []);

  return <SessionContext.Provider value={{ session, ending, signedIn, signOut, expired }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/**
 * Renders its children for a signed-in user; sends anyone else to /signin, saying why the
 * session ended, and back to this page after signing in (unless they signed out themselves).
 */
export function RequireSession({ children }: { children: ReactNode }) {
  const { session, ending } = useSession();
  const location = useLocation();
  if (session === undefined)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (session === null) {
    const from = ending === 'signed-out' ? undefined : location.pathname + location.search;
    return <Navigate to="/signin" replace state={{ from, notice: ending && ENDINGS[ending] }} />;
  }
  return children;
}
