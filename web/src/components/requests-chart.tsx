import type { DailyRequests } from '../api';
import { DailyChart } from './daily-chart';

const SERIES = [
  { name: 'Successful', color: '#1d4ed8', darkColor: '#93c5fd' },
  { name: 'Errors', color: '#b91c1c', darkColor: '#fca5a5' },
];

function requestCount(count: number): string {
  return `${count.toLocaleString('en')} API ${count === 1 ? 'request' : 'requests'}`;
}

/** API requests per day, successful and refused stacked, so the total height is the day's requests. */
export function RequestsChart({ days }: { days: DailyRequests[] }) {
  const total = days.reduce((sum, day) => sum + day.requests, 0);
  const errors = days.reduce((sum, day) => sum + day.errors, 0);
  return (
    <DailyChart
      days={days.map((day) => ({ date: day.date, counts: [Math.max(0, day.requests - day.errors), day.errors] }))}
      series={SERIES}
      caption={
        total === 0
          ? 'No API requests in the last 30 days (UTC days).'
          : `${requestCount(total)} in the last 30 days (UTC days), ${errors.toLocaleString('en')} of them refused or failed.`
      }
    />
  );
}
