import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { usePrefersDark } from '../color-scheme';
import { formatDay, formatNumber } from './format';

export interface Series {
  name: string;
  /** On the light background, and on the dark one: each at least 4.5:1 against its card. */
  color: string;
  darkColor: string;
}

interface Day {
  date: string;
  counts: number[];
}

interface TooltipProps {
  active?: boolean;
  label?: string | number;
  payload?: ReadonlyArray<{ payload?: { total?: number; date?: string } }>;
  series: Series[];
}

/** The day, each series' count from the top bar down, and the day's total. */
function DayTooltip({ active, payload, series }: TooltipProps) {
  const row = payload?.[0]?.payload as Record<string, number | string> | undefined;
  if (!active || !row) return null;
  return (
    <div className="chart-tooltip">
      <strong>{row.date} (UTC)</strong>
      <ul>
        {[...series].reverse().map((one) => (
          <li key={one.name}>
            {one.name}: {formatNumber(Number(row[one.name] ?? 0))}
          </li>
        ))}
        <li>
          <strong>Total: {formatNumber(Number(row.total ?? 0))}</strong>
        </li>
      </ul>
    </div>
  );
}

/**
 * Counts per UTC day as stacked bars, one colour per series, so a bar's height is the day's
 * total. The legend lists the series in the order the bars stack them, top first. The chart
 * is hidden from screen readers: the caption says the figures in words. With nothing to show,
 * the caption alone stands (no empty axes).
 */
export function DailyChart({ days, series, caption }: { days: Day[]; series: Series[]; caption: string }) {
  const dark = usePrefersDark();
  const colorOf = (one: Series) => (dark ? one.darkColor : one.color);
  const data = days.map((day) => ({
    date: formatDay(day.date),
    total: day.counts.reduce((sum, count) => sum + count, 0),
    ...Object.fromEntries(series.map((one, i) => [one.name, day.counts[i] ?? 0])),
  }));
  const empty = data.every((day) => day.total === 0);
  return (
    <figure className="chart">
      {!empty && (
        <>
          <ul className="chart-legend" aria-hidden="true">
            {[...series].reverse().map((one) => (
              <li key={one.name}>
                <span className="swatch" style={{ background: colorOf(one) }} />
                {one.name}
              </li>
            ))}
          </ul>
          <div className="chart-canvas" aria-hidden="true">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={dark ? '#374151' : '#e3e6ec'} />
                <XAxis dataKey="date" tick={{ fontSize: 12, fill: dark ? '#d1d5db' : '#4b5563' }} interval="preserveStartEnd" minTickGap={16} />
                <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: dark ? '#d1d5db' : '#4b5563' }} />
                <Tooltip
                  cursor={{ fill: 'rgba(37, 99, 235, 0.12)' }}
                  content={(props) => <DayTooltip {...(props as Omit<TooltipProps, 'series'>)} series={series} />}
                />
                {series.map((one) => (
                  <Bar key={one.name} dataKey={one.name} stackId="day" fill={colorOf(one)} isAnimationActive={false} />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </div>
        </>
      )}
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
