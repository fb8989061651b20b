import { Link } from 'react-router-dom';
import { api } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { formatNumber } from '../../components/format';
import { RequestsChart } from '../../components/requests-chart';
import { usePageTitle } from '../../page-title';
import { useLoad } from '../../use-load';
import { LeakFlag } from '../keys/leak-flag';

export function OverviewPage() {
  usePageTitle('Overview');
  const { data, error } = useLoad(api.overview);
  const requests = data?.requests_per_day.reduce((sum, day) => sum + day.requests, 0) ?? 0;

  return (
    <>
      <h1>Overview</h1>
      <ErrorAlert message={error} />
      {data && (
        <>
          {data.leaked_keys.length > 0 && (
            <section className="card" aria-label="Leaked API keys">
              <h2>Leaked API keys</h2>
              {data.leaked_keys.map((key) => (
                <LeakFlag key={key.id} leak={key.leak}>
                  <p>
                    Key "{key.name}"{' '}
                    <code>
                      {key.prefix}...{key.last4}
                    </code>
                    . <Link to="/settings/api-keys">Review it in API Keys</Link>
                  </p>
                </LeakFlag>
              ))}
            </section>
          )}
          <section className="stats" aria-label="This month">
            <div className="stat card">
              <span className="stat-value">{formatNumber(data.sites.length)}</span>
              <span className="stat-label">Sites</span>
            </div>
            <div className="stat card">
              <span className="stat-value">{formatNumber(data.events_this_month)}</span>
              <span className="stat-label">Events this month</span>
            </div>
            <div className="stat card">
              <span className="stat-value">{formatNumber(requests)}</span>
              <span className="stat-label">API requests, last 30 days</span>
            </div>
          </section>

          <section className="card">
            <h2>API requests per day</h2>
            <RequestsChart days={data.requests_per_day} />
            {requests === 0 && (
              <p className="empty">
                Requests made with your API keys show up here. <Link to="/settings/api-keys">Generate a key</Link> and call <code>GET /api/v1/sites</code> with
                it.
              </p>
            )}
          </section>

          <section className="card">
            <h2>Sites</h2>
            {data.sites.length === 0 ? (
              <p className="empty">
                You are not tracking any site yet. <Link to="/sites">Add your first site</Link> to get its tracking snippet.
              </p>
            ) : (
              <ul className="count-list">
                {data.sites.map((site) => (
                  <li key={site.id}>
                    <Link to={`/sites/${site.id}`}>{site.domain}</Link>
                    <span className="muted">{formatNumber(site.events_this_month)} events this month</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}
