import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DailyRequests } from '../api';

const shortDate = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });

function requestCount(count: number): string {
  return `${count.toLocaleString('en')} API ${count === 1 ? 'request' : 'requests'}`;
}

function label(date: string): string {
  return shortDate.format(new Date(`${date}T00:00:00Z`));
}

/**
 * API requests per day, successful and refused stacked, so the total height is the day's
 * requests. The figures are also given as text for screen readers.
 */
export function RequestsChart({ days }: { days: DailyRequests[] }) {
  const data = days.map((day) => ({ date: label(day.date), Successful: Math.max(0, day.requests - day.errors), Errors: day.errors }));
  const total = days.reduce((sum, day) => sum + day.requests, 0);
  const errors = days.reduce((sum, day) => sum + day.errors, 0);
  return (
    <figure className="chart">
      <div className="chart-canvas" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e3e6ec" />
            <XAxis dataKey="date" tick={{ fontSize: 12 }} interval="preserveStartEnd" minTickGap={16} />
            <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
            <Tooltip cursor={{ fill: 'rgba(37, 99, 235, 0.08)' }} />
            <Legend />
            <Bar dataKey="Successful" stackId="requests" fill="#2563eb" isAnimationActive={false} />
            <Bar dataKey="Errors" stackId="requests" fill="#dc2626" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>
        {total === 0
          ? 'No API requests in the last 30 days.'
          : `${requestCount(total)} in the last 30 days, ${errors.toLocaleString('en')} of them refused or failed.`}
      </figcaption>
    </figure>
  );
}
