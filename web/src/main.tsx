import { type ComponentType, lazy, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, createRoutesFromElements, Navigate, Route, RouterProvider } from 'react-router-dom';
import { Layout } from './components/layout';
import { AuthPage } from './features/auth/auth-page';
import { RequireSession, SessionProvider } from './session';
import './styles.css';

/** A page loaded on first visit, so that signing in does not download the charts and the other pages. */
function page<Name extends string>(load: () => Promise<Record<Name, ComponentType>>, name: Name) {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

const OverviewPage = page(() => import('./features/overview/overview-page'), 'OverviewPage');
const SitesPage = page(() => import('./features/sites/sites-page'), 'SitesPage');
const SiteDetailPage = page(() => import('./features/sites/site-detail-page'), 'SiteDetailPage');
const KeysPage = page(() => import('./features/keys/keys-page'), 'KeysPage');
const KeyDetailPage = page(() => import('./features/keys/key-detail-page'), 'KeyDetailPage');
const LogsPage = page(() => import('./features/logs/logs-page'), 'LogsPage');
const PlanPage = page(() => import('./features/plan/plan-page'), 'PlanPage');
const AuditPage = page(() => import('./features/audit/audit-page'), 'AuditPage');
const AccountPage = page(() => import('./features/account/account-page'), 'AccountPage');
const WebhooksPage = page(() => import('./features/webhooks/webhooks-page'), 'WebhooksPage');

const routes = createRoutesFromElements(
  <>
    <Route path="/signin" element={<AuthPage mode="signin" />} />
    <Route path="/signup" element={<AuthPage mode="signup" />} />
    <Route
      element={
        <RequireSession>
          <Layout />
        </RequireSession>
      }
    >
      <Route index element={<OverviewPage />} />
      <Route path="/sites" element={<SitesPage />} />
      <Route path="/sites/:id" element={<SiteDetailPage />} />
      <Route path="/settings/api-keys" element={<KeysPage />} />
      <Route path="/settings/api-keys/logs" element={<LogsPage />} />
      <Route path="/settings/api-keys/:id" element={<KeyDetailPage />} />
      <Route path="/settings/plan" element={<PlanPage />} />
      <Route path="/settings/audit" element={<AuditPage />} />
      <Route path="/settings/webhooks" element={<WebhooksPage />} />
      <Route path="/settings/account" element={<AccountPage />} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Route>
  </>,
);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <RouterProvider router={createBrowserRouter(routes)} />
    </SessionProvider>
  </StrictMode>,
);
