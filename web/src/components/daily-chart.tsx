import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

const shortDate = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** "Jan 5" of a YYYY-MM-DD day (UTC). */
function label(date: string): string {
  return shortDate.format(new Date(`${date}T00:00:00Z`));
}

export interface Series {
  name: string;
  color: string;
}

/**
 * Counts per day as stacked bars, one colour per series, so a bar's height is the day's
 * total. The chart is hidden from screen readers: the caption says the figures in words.
 */
export function DailyChart({ days, series, caption }: { days: Array<{ date: string; counts: number[] }>; series: Series[]; caption: string }) {
  const data = days.map((day) => ({ date: label(day.date), ...Object.fromEntries(series.map((one, i) => [one.name, day.counts[i] ?? 0])) }));
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
            {series.map((one) => (
              <Bar key={one.name} dataKey={one.name} stackId="day" fill={one.color} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
