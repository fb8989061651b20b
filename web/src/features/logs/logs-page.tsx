import { type FormEvent, Fragment, useEffect, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router-dom';
import { api, type DashboardKey, type LogFilters, type LogRow, type StatusClass } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { formatDateTimeSeconds, formatNumber } from '../../components/format';
import { Options } from '../../components/options';
import { TableHead } from '../../components/table-head';
import { usePageTitle } from '../../page-title';
import { useLoad } from '../../use-load';

const PAGE_SIZE = 50;
const LIVE_EVERY_MS = 5000;
const REQUEST_ID = /^req_[0-9A-Za-z]{20}$/;

const RANGES = [
  { value: '', label: 'Any time' },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: 'custom', label: 'Custom range (UTC)…' },
];

const STATUSES: { value: StatusClass | ''; label: string }[] = [
  { value: '', label: 'Any status' },
  { value: '2xx', label: '2xx success' },
  { value: '4xx', label: '4xx refused' },
  { value: '429', label: '429 rate limited' },
  { value: '5xx', label: '5xx server error' },
];

/** The URL's query names: filters and page survive a reload, a shared link and Back. */
type Param = 'key' | 'status' | 'range' | 'from' | 'to' | 'request_id' | 'cursor' | 'page';

function keyOption(key: DashboardKey) {
  return { value: key.id, label: `${key.name} (${key.prefix}...${key.last4})${key.status === 'revoked' ? ', revoked' : ''}` };
}

function statusClass(status: number): string {
  if (status < 300) return 'badge-active';
  if (status < 500) return 'badge-revoked';
  return 'badge-expired';
}

/** `YYYY-MM-DDTHH:MM` of a datetime-local field, read as UTC, as the ISO time the API wants. */
function utcInput(value: string | null, endOfMinute: boolean): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(`${value}:${endOfMinute ? '59.999' : '00.000'}Z`);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** The API's filters from the URL; a preset range counts back from `now`. */
function filtersOf(params: URLSearchParams, now: number): LogFilters {
  const range = params.get('range') ?? '';
  const ms = RANGES.find((option) => option.value === range)?.ms;
  const requestId = params.get('request_id') ?? '';
  const from = range === 'custom' ? utcInput(params.get('from'), false) : ms !== undefined ? new Date(now - ms).toISOString() : undefined;
  const to = range === 'custom' ? utcInput(params.get('to'), true) : undefined;
  return {
    ...(params.get('key') && { key: params.get('key')! }),
    ...(params.get('status') && { status: params.get('status') as StatusClass }),
    ...(REQUEST_ID.test(requestId) && { request_id: requestId }),
    ...(from && { from }),
    ...(to && { to }),
  };
}

/** How a row shows a key deleted since (its name went with it). */
const DELETED_KEY = 'Deleted key';

/** Everything about one request, as it was logged. */
function RequestDetails({ row }: { row: LogRow }) {
  const facts: [string, string][] = [
    ['Request id', row.id],
    ['Time', formatDateTimeSeconds(row.time)],
    ['Key', `${row.key_name ?? DELETED_KEY} (${row.key_id}), ${row.mode}`],
    ['Endpoint', `${row.method} ${row.path}`],
    ['Route', row.route],
    ['Status', `${row.status}${row.code ? ` ${row.code}` : ''}`],
    ['Error code', row.code ?? 'None'],
    ['Duration', `${row.duration_ms} ms`],
    ['Client IP', row.ip],
    ['Referrer', row.referrer ?? 'None'],
    ['User agent', row.user_agent ?? 'None'],
    ['Credits', String(row.credits)],
    ['Authenticated with', row.auth === 'oauth' ? 'an OAuth access token of the key' : 'the API key'],
    ['Requests', row.requests > 1 ? `${row.requests} (refusals past the per-minute sample, summarised in this row)` : '1'],
  ];
  return (
    <dl className="facts request-details">
      {facts.map(([term, value]) => (
        <div key={term} className={term === 'User agent' || term === 'Referrer' ? 'wide' : undefined}>
          <dt>{term}</dt>
          <dd>
            <code>{value}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function LogsPage() {
  usePageTitle('Request logs');
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  // The cursors of the pages before this one ride in the history entry, so Previous and Back agree.
  const previous = ((location.state as { previous?: string[] } | null)?.previous ?? []) as string[];
  const cursor = params.get('cursor') ?? undefined;
  const page = Number(params.get('page') ?? '1') || 1;
  const [live, setLive] = useState(false);
  const [searchText, setSearchText] = useState(params.get('request_id') ?? '');
  const [searchError, setSearchError] = useState<string>();
  const [open, setOpen] = useState<string>();
  const [now, setNow] = useState(() => Date.now());

  const filters = filtersOf(params, now);
  const keys = useLoad(() => api.keys(true));
  // biome-ignore lint/correctness/useExhaustiveDependencies: `filters` is rebuilt on every render; the query string and `now` are what it and `cursor` are made of.
  const logs = useLoad(() => api.logs(filters, cursor, PAGE_SIZE), [params.toString(), now]);

  // Live: the first page refetches every few seconds, counting preset ranges back from the new now.
  useEffect(() => {
    if (!live || cursor) return;
    const timer = setInterval(() => setNow(Date.now()), LIVE_EVERY_MS);
    return () => clearInterval(timer);
  }, [live, cursor]);

  /** Sets filters (and drops the page: a new filter starts from the newest). */
  function apply(changes: Partial<Record<Param, string>>) {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    next.delete('cursor');
    next.delete('page');
    setNow(Date.now());
    setParams(next);
  }

  function goTo(nextCursor: string | undefined, nextPage: number, nextPrevious: string[]) {
    const next = new URLSearchParams(params);
    if (nextCursor) next.set('cursor', nextCursor);
    else next.delete('cursor');
    if (nextPage > 1) next.set('page', String(nextPage));
    else next.delete('page');
    setParams(next, { state: { previous: nextPrevious } });
  }

  function search(event: FormEvent) {
    event.preventDefault();
    const text = searchText.trim();
    if (text !== '' && !REQUEST_ID.test(text)) {
      setSearchError('A request id is req_ and 20 letters or digits, as in the request_id of an error answer or the X-Request-Id header.');
      return;
    }
    setSearchError(undefined);
    apply({ request_id: text });
  }

  const data = logs.data;
  const first = (page - 1) * PAGE_SIZE;
  const range = params.get('range') ?? '';
  const filtered = Object.keys(filters).length > 0;

  const pager = data && (previous.length > 0 || cursor || data.next_cursor) && (
    <div className="pager-buttons">
      <button
        type="button"
        className="button button-secondary"
        disabled={!cursor}
        onClick={() => goTo(previous.at(-1), previous.length > 0 ? page - 1 : 1, previous.slice(0, -1))}
      >
        Previous
      </button>
      <button
        type="button"
        className="button button-secondary"
        disabled={!data.next_cursor}
        onClick={() => goTo(data.next_cursor ?? undefined, page + 1, cursor ? [...previous, cursor] : [...previous, ''])}
      >
        Next
      </button>
    </div>
  );

  return (
    <>
      <div className="page-title">
        <h1>Request logs</h1>
        <Link to="/settings/api-keys">Back to API keys</Link>
      </div>
      <form className="card filters" role="search" aria-label="Find a request" onSubmit={search}>
        <Field label="Request id" hint="Every answer carries one: request_id in an error, X-Request-Id in the headers." error={searchError}>
          {(control) => (
            <input
              {...control}
              name="request_id"
              placeholder="req_…"
              spellCheck={false}
              autoComplete="off"
              value={searchText}
              onChange={(event) => setSearchText(event.target.value)}
            />
          )}
        </Field>
        <div className="filters-end">
          <button type="submit" className="button button-secondary">
            Find
          </button>
          {params.get('request_id') && (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => {
                setSearchText('');
                apply({ request_id: '' });
              }}
            >
              Show all
            </button>
          )}
        </div>
      </form>
      <form className="card filters" onSubmit={(event) => event.preventDefault()} aria-label="Filters">
        <Field label="Key">
          {(control) => (
            <select {...control} value={params.get('key') ?? ''} onChange={(event) => apply({ key: event.target.value })}>
              <Options items={[{ value: '', label: 'All keys' }, ...(keys.data?.keys.map(keyOption) ?? [])]} />
            </select>
          )}
        </Field>
        <Field label="Status">
          {(control) => (
            <select {...control} value={params.get('status') ?? ''} onChange={(event) => apply({ status: event.target.value })}>
              <Options items={STATUSES} />
            </select>
          )}
        </Field>
        <Field label="Time">
          {(control) => (
            <select {...control} value={range} onChange={(event) => apply({ range: event.target.value, from: '', to: '' })}>
              <Options items={RANGES} />
            </select>
          )}
        </Field>
        {range === 'custom' && (
          <>
            <Field label="From (UTC)">
              {(control) => (
                <input {...control} type="datetime-local" value={params.get('from') ?? ''} onChange={(event) => apply({ from: event.target.value })} />
              )}
            </Field>
            <Field label="To (UTC)">
              {(control) => <input {...control} type="datetime-local" value={params.get('to') ?? ''} onChange={(event) => apply({ to: event.target.value })} />}
            </Field>
          </>
        )}
        <div className="filters-end">
          <label className="radio">
            <input type="checkbox" checked={live} onChange={(event) => setLive(event.target.checked)} /> Live (every 5 s)
          </label>
          <button type="button" className="button button-secondary" onClick={() => setNow(Date.now())} title="Fetch the latest requests">
            Refresh
          </button>
          <a className="button button-secondary" href={api.logsCsvUrl(filters)} download>
            Export CSV
          </a>
        </div>
      </form>
      <ErrorAlert message={logs.error ?? keys.error} />
      {data && (
        <section className="card">
          {data.logs.length === 0 ? (
            <p className="empty">
              {filtered
                ? 'No requests match these filters. Try All keys, Any status or Any time.'
                : 'No requests yet. Every call to the REST API with one of your keys appears here, refused ones included.'}
            </p>
          ) : (
            <>
              <nav className="pager pager-top" aria-label="Pages, top">
                <p className="muted" role="status">
                  {formatNumber(first + 1)}–{formatNumber(first + data.logs.length)} of {formatNumber(data.total)} {data.total === 1 ? 'request' : 'requests'},
                  newest first
                  {live && !cursor && ', live'}
                </p>
                {pager}
              </nav>
              <table className="table logs-table">
                <TableHead columns={['Time (UTC)', 'Key', 'Endpoint', 'Status', 'Duration', 'IP', 'Credits', '']} />
                <tbody>
                  {data.logs.map((row) => (
                    <Fragment key={row.id}>
                      <tr>
                        <td data-label="Time (UTC)">{formatDateTimeSeconds(row.time)}</td>
                        <td data-label="Key">
                          {row.key_name ?? DELETED_KEY}
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
                        <td>
                          <button
                            type="button"
                            className="button button-small button-secondary"
                            aria-expanded={open === row.id}
                            aria-controls={`details-${row.id}`}
                            aria-label={`Details of ${row.method} ${row.path} at ${formatDateTimeSeconds(row.time)}`}
                            onClick={() => setOpen(open === row.id ? undefined : row.id)}
                          >
                            Details
                          </button>
                        </td>
                      </tr>
                      {open === row.id && (
                        <tr id={`details-${row.id}`} className="details-row">
                          <td colSpan={8}>
                            <RequestDetails row={row} />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {pager && (
            <nav className="pager" aria-label="Pages">
              {pager}
            </nav>
          )}
        </section>
      )}
    </>
  );
}
