import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type DashboardKey, type LogFilters, type StatusClass } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { formatDateTime, formatNumber } from '../../components/format';
import { Options } from '../../components/options';
import { TableHead } from '../../components/table-head';
import { useLoad } from '../../use-load';

const PAGE_SIZE = 50;

const RANGES = [
  { value: '', label: 'Any time' },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
];

const STATUSES: { value: StatusClass | ''; label: string }[] = [
  { value: '', label: 'Any status' },
  { value: '2xx', label: '2xx success' },
  { value: '4xx', label: '4xx refused' },
  { value: '429', label: '429 rate limited' },
  { value: '5xx', label: '5xx server error' },
];

function keyOption(key: DashboardKey) {
  return { value: key.id, label: `${key.name} (${key.prefix}...${key.last4})${key.status === 'revoked' ? ', revoked' : ''}` };
}

function statusClass(status: number): string {
  if (status < 300) return 'badge-active';
  if (status < 500) return 'badge-revoked';
  return 'badge-expired';
}

export function LogsPage() {
  const [key, setKey] = useState('');
  const [status, setStatus] = useState<StatusClass | ''>('');
  const [range, setRange] = useState('');
  // Cursors of the pages before the current one, so Previous can go back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);

  const [filters, setFilters] = useState<LogFilters>({});
  const keys = useLoad(() => api.keys(true));
  const logs = useLoad(() => api.logs(filters, cursor, PAGE_SIZE), [filters, cursor]);

  function apply(next: { key?: string; status?: StatusClass | ''; range?: string }) {
    const chosen = { key, status, range, ...next };
    setKey(chosen.key);
    setStatus(chosen.status);
    setRange(chosen.range);
    const ms = RANGES.find((option) => option.value === chosen.range)?.ms;
    setFilters({
      ...(chosen.key && { key: chosen.key }),
      ...(chosen.status && { status: chosen.status }),
      ...(ms !== undefined && { from: new Date(Date.now() - ms).toISOString() }),
    });
    setCursors([undefined]);
  }

  const page = logs.data;
  const first = (cursors.length - 1) * PAGE_SIZE;

  return (
    <>
      <div className="page-title">
        <h1>Request logs</h1>
        <Link to="/settings/api-keys">Back to API keys</Link>
      </div>
      <form className="card filters" onSubmit={(event) => event.preventDefault()} aria-label="Filters">
        <Field label="Key">
          {(control) => (
            <select {...control} value={key} onChange={(event) => apply({ key: event.target.value })}>
              <Options items={[{ value: '', label: 'All keys' }, ...(keys.data?.keys.map(keyOption) ?? [])]} />
            </select>
          )}
        </Field>
        <Field label="Status">
          {(control) => (
            <select {...control} value={status} onChange={(event) => apply({ status: event.target.value as StatusClass | '' })}>
              <Options items={STATUSES} />
            </select>
          )}
        </Field>
        <Field label="Time">
          {(control) => (
            <select {...control} value={range} onChange={(event) => apply({ range: event.target.value })}>
              <Options items={RANGES} />
            </select>
          )}
        </Field>
        <div className="filters-end">
          <button type="button" className="button button-secondary" onClick={() => apply({ range })} title="Fetch the latest requests">
            Refresh
          </button>
          <a className="button button-secondary" href={api.logsCsvUrl(filters)} download>
            Export CSV
          </a>
        </div>
      </form>
      <ErrorAlert message={logs.error ?? keys.error} />
      {page && (
        <section className="card">
          {page.logs.length === 0 ? (
            <p className="empty">
              {Object.keys(filters).length > 0
                ? 'No requests match these filters. Try All keys, Any status or Any time.'
                : 'No requests yet. Every call to the REST API with one of your keys appears here, refused ones included.'}
            </p>
          ) : (
            <>
              <p className="muted" role="status">
                {formatNumber(first + 1)}–{formatNumber(first + page.logs.length)} of {formatNumber(page.total)} {page.total === 1 ? 'request' : 'requests'}, newest first
              </p>
              <table className="table logs-table">
                <TableHead columns={['Time', 'Key', 'Endpoint', 'Status', 'Duration', 'IP', 'Credits']} />
                <tbody>
                  {page.logs.map((row) => (
                    <tr key={row.id}>
                      <td data-label="Time">{formatDateTime(row.time)}</td>
                      <td data-label="Key">
                        {row.key_name}
                        {row.mode === 'test' && <span className="badge badge-test">test</span>}
                        {row.auth === 'oauth' && (
                          <span className="badge badge-oauth" title="Authenticated with an OAuth access token of this key">
                            OAuth
                          </span>
                        )}
                      </td>
                      <td data-label="Endpoint">
                        <code>
                          {row.method} {row.path}
                        </code>
                      </td>
                      <td data-label="Status">
                        <span className={`badge ${statusClass(row.status)}`}>{row.status}</span>
                        {row.code && <small className="hint"> {row.code}</small>}
                        {row.requests > 1 && <small className="hint"> ×{row.requests} (summarised)</small>}
                      </td>
                      <td data-label="Duration">{row.duration_ms} ms</td>
                      <td data-label="IP">{row.ip}</td>
                      <td data-label="Credits">{row.credits}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {(cursors.length > 1 || page.next_cursor) && (
            <nav className="pager" aria-label="Pages">
              <button type="button" className="button button-secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous
              </button>
              <button type="button" className="button button-secondary" disabled={!page.next_cursor} onClick={() => setCursors([...cursors, page.next_cursor ?? undefined])}>
                Next
              </button>
            </nav>
          )}
        </section>
      )}
    </>
  );
}
