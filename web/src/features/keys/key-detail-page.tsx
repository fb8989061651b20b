import { Link, useParams } from 'react-router-dom';
import { api, type DashboardKey, type Restrictions } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { formatDateTime, formatDateTimeSeconds } from '../../components/format';
import { TableHead } from '../../components/table-head';
import { usePageTitle } from '../../page-title';
import { useLoad } from '../../use-load';
import { QuotaUse, STATUS_LABELS } from './keys-page';

const RESTRICTION_LABELS: Record<keyof Restrictions, string> = { ips: 'Allowed IP addresses', referrers: 'Allowed origins', endpoints: 'Allowed endpoints' };
const RECENT = 10;

function RestrictionList({ restrictions }: { restrictions: Restrictions }) {
  const set = (Object.keys(RESTRICTION_LABELS) as (keyof Restrictions)[]).filter((field) => restrictions[field].length > 0);
  if (set.length === 0) return <p className="muted">None: any IP, origin and endpoint may use this key.</p>;
  return (
    <dl className="facts">
      {set.map((field) => (
        <div key={field} className="wide">
          <dt>{RESTRICTION_LABELS[field]}</dt>
          <dd>
            <ul className="plain-list">
              {restrictions[field].map((entry) => (
                <li key={entry}>
                  <code>{entry}</code>
                </li>
              ))}
            </ul>
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Facts({ apiKey }: { apiKey: DashboardKey }) {
  const facts: [string, string][] = [
    ['Key', `${apiKey.prefix}...${apiKey.last4}`],
    ['Status', STATUS_LABELS[apiKey.status]],
    ['Mode', apiKey.mode],
    ['Category', apiKey.category],
    ['Created', formatDateTime(apiKey.created_at)],
    ['Last used', formatDateTime(apiKey.last_used_at)],
    ['Expires', formatDateTime(apiKey.expires_at, 'Never')],
  ];
  if (apiKey.revoked_at) facts.push([apiKey.status === 'rotating' ? 'Works until' : 'Revoked', formatDateTime(apiKey.revoked_at)]);
  return (
    <dl className="facts">
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One key: its settings, restrictions, quotas with their use, and its latest requests. */
export function KeyDetailPage() {
  const { id = '' } = useParams();
  const keys = useLoad(() => api.keys(true), [id]);
  const logs = useLoad(() => api.logs({ key: id }, undefined, RECENT), [id]);
  const apiKey = keys.data?.keys.find((key) => key.id === id);
  usePageTitle(apiKey ? `${apiKey.name} · API Keys` : 'API key');

  return (
    <>
      <p className="breadcrumb">
        <Link to="/settings/api-keys">API Keys</Link> /
      </p>
      <h1>{apiKey?.name ?? 'API key'}</h1>
      <ErrorAlert message={keys.error ?? logs.error} />
      {keys.data && !apiKey && <p className="empty">There is no such key in your account.</p>}
      {apiKey && (
        <>
          <section className="card" aria-labelledby="key-facts">
            <h2 id="key-facts">Details</h2>
            <Facts apiKey={apiKey} />
          </section>
          <section className="card" aria-labelledby="key-quotas">
            <h2 id="key-quotas">Quotas and their use</h2>
            <QuotaUse apiKey={apiKey} />
          </section>
          <section className="card" aria-labelledby="key-restrictions">
            <h2 id="key-restrictions">Restrictions</h2>
            <RestrictionList restrictions={apiKey.restrictions} />
          </section>
          <section className="card" aria-labelledby="key-requests">
            <div className="section-head">
              <h2 id="key-requests">Recent requests</h2>
              <Link to={`/settings/api-keys/logs?key=${encodeURIComponent(apiKey.id)}`}>View logs of {apiKey.name}</Link>
            </div>
            {logs.data &&
              (logs.data.logs.length === 0 ? (
                <p className="empty">No requests with this key yet.</p>
              ) : (
                <table className="table">
                  <TableHead columns={['Time (UTC)', 'Endpoint', 'Status']} />
                  <tbody>
                    {logs.data.logs.map((row) => (
                      <tr key={row.id}>
                        <td data-label="Time (UTC)">{formatDateTimeSeconds(row.time)}</td>
                        <td data-label="Endpoint">
                          <code>
                            {row.method} {row.path}
                          </code>
                        </td>
                        <td data-label="Status">
                          {row.status}
                          {row.code && <small className="hint"> {row.code}</small>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ))}
          </section>
        </>
      )}
    </>
  );
}
