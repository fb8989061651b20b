import { useState } from 'react';
import { api, type SiteStats } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { DailyChart } from '../../components/daily-chart';
import { Field } from '../../components/field';
import { formatNumber } from '../../components/format';
import { Options } from '../../components/options';
import { useLoad } from '../../use-load';

const RANGES = [7, 30, 90].map((days) => ({ value: days, label: `Last ${days} days (UTC)` }));
const SERIES = [
  { name: 'Humans', color: '#1d4ed8', darkColor: '#93c5fd' },
  { name: 'Bots', color: '#b45309', darkColor: '#fbbf24' },
];
const DAY_MS = 86_400_000;

/** The last `days` UTC days, today included, as the stats' from/to. */
function lastDays(days: number): { from: string; to: string } {
  const now = Date.now();
  const date = (time: number) => new Date(time).toISOString().slice(0, 10);
  return { from: date(now - (days - 1) * DAY_MS), to: date(now) };
}

interface TopListProps {
  title: string;
  rows: Array<{ label: string; events: number }>;
  empty: string;
}

function TopList({ title, rows, empty }: TopListProps) {
  return (
    <section className="card top-list" aria-label={title}>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="empty">{empty}</p>
      ) : (
        <ol className="count-list">
          {rows.map((row) => (
            <li key={row.label}>
              <span className="top-label">{row.label}</span>
              <span className="muted">{formatNumber(row.events)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function caption(stats: SiteStats, days: number): string {
  const { events, humans, bots } = stats.totals;
  if (events === 0) return `No visits in the last ${days} days.`;
  return `${formatNumber(events)} ${events === 1 ? 'visit' : 'visits'} in the last ${days} days: ${formatNumber(humans)} by people, ${formatNumber(bots)} by bots.`;
}

/** A site's visits over the last 7, 30 or 90 days: humans and bots per day, totals and top lists. */
export function SiteStatsSection({ siteId }: { siteId: string }) {
  const [days, setDays] = useState(30);
  const { data, error } = useLoad(() => api.siteStats(siteId, lastDays(days)), [siteId, days]);
  const noHits = 'Nothing yet. Put the tracking snippet on your pages: visits show up here within seconds.';

  return (
    <section className="card site-stats" aria-labelledby="site-stats-title">
      <div className="section-head">
        <h2 id="site-stats-title">Visits</h2>
        <Field label="Range">
          {(control) => (
            <select {...control} value={days} onChange={(event) => setDays(Number(event.target.value))}>
              <Options items={RANGES} />
            </select>
          )}
        </Field>
      </div>
      <ErrorAlert message={error} />
      {data && (
        <>
          <div className="stats" aria-label="Totals" role="group">
            <div className="stat card">
              <span className="stat-value" data-testid="total-events">
                {formatNumber(data.totals.events)}
              </span>
              <span className="stat-label">Events</span>
            </div>
            <div className="stat card">
              <span className="stat-value" data-testid="total-humans">
                {formatNumber(data.totals.humans)}
              </span>
              <span className="stat-label">Humans</span>
            </div>
            <div className="stat card">
              <span className="stat-value" data-testid="total-bots">
                {formatNumber(data.totals.bots)}
              </span>
              <span className="stat-label">Bots</span>
            </div>
          </div>
          <DailyChart days={data.days.map((day) => ({ date: day.date, counts: [day.humans, day.bots] }))} series={SERIES} caption={caption(data, days)} />
          <div className="top-lists">
            <TopList
              title="Top bots"
              rows={data.top_bots.map((row) => ({ label: row.name, events: row.events }))}
              empty={data.totals.events === 0 ? noHits : 'No bots seen in this range. Crawlers such as GPTBot or Googlebot are listed here when they visit.'}
            />
            <TopList title="Top pages" rows={data.top_paths.map((row) => ({ label: row.path, events: row.events }))} empty={noHits} />
            <TopList
              title="Top referrers"
              rows={data.top_referrers.map((row) => ({ label: row.referrer, events: row.events }))}
              empty={data.totals.events === 0 ? noHits : 'No visits came from links on other sites in this range.'}
            />
          </div>
        </>
      )}
    </section>
  );
}
