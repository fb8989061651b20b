import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { Layout } from './components/layout';
import { AuditPage } from './features/audit/audit-page';
import { AuthPage } from './features/auth/auth-page';
import { KeysPage } from './features/keys/keys-page';
import { LogsPage } from './features/logs/logs-page';
import { OverviewPage } from './features/overview/overview-page';
import { PlanPage } from './features/plan/plan-page';
import { SiteDetailPage } from './features/sites/site-detail-page';
import { SitesPage } from './features/sites/sites-page';
import { WebhooksPage } from './features/webhooks/webhooks-page';
import { RequireSession, SessionProvider } from './session';
import './styles.css';

function App() {
  return (
    <Routes>
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
        <Route path="/settings/plan" element={<PlanPage />} />
        <Route path="/settings/audit" element={<AuditPage />} />
        <Route path="/settings/webhooks" element={<WebhooksPage />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <SessionProvider>
        <App />
      </SessionProvider>
    </BrowserRouter>
  </StrictMode>,
);
