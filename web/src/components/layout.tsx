import { Suspense, useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useSession } from '../session';
import { errorMessage } from '../use-load';
import { ErrorAlert } from './alert';

const NAV = [
  { to: '/', label: 'Overview', end: true },
  { to: '/sites', label: 'Sites', end: false },
  { to: '/settings/api-keys', label: 'API Keys', end: true },
  { to: '/settings/api-keys/logs', label: 'Logs', end: true },
  { to: '/settings/plan', label: 'Plan', end: true },
  { to: '/settings/audit', label: 'Audit log', end: true },
  { to: '/settings/webhooks', label: 'Webhooks', end: true },
  { to: '/settings/account', label: 'Account', end: true },
];

/** The signed-in frame: brand, navigation, who is signed in, sign out. */
export function Layout() {
  const { session, signOut } = useSession();
  const [error, setError] = useState<string>();
  const main = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const firstPage = useRef(true);

  // After a client-side navigation, screen readers and the keyboard start at the new page, as after a page load.
  useEffect(() => {
    if (firstPage.current) firstPage.current = false;
    else main.current?.focus();
  }, [pathname]);

  async function leave() {
    try {
      await signOut();
    } catch (failure) {
      setError(`Sign out failed: ${errorMessage(failure)}`);
    }
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Keygate</span>
        <span className="who">
          <span className="who-email">{session?.user.email}</span>
          <span className="badge">{session?.account.plan} plan</span>
          <button type="button" className="button button-secondary button-small" onClick={leave}>
            Sign out
          </button>
        </span>
        <nav aria-label="Main" className="nav">
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.end}>
              {item.label}
            </NavLink>
          ))}
          <a href="/docs">API reference</a>
        </nav>
      </header>
      <main id="main" className="main" tabIndex={-1} ref={main}>
        <ErrorAlert message={error} />
        <Suspense
          fallback={
            <p className="loading" role="status">
              Loading…
            </p>
          }
        >
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
