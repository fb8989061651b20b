/**
 * One time-zone rule for the whole dashboard: every time and every day is UTC, and says so.
 * Charts count per UTC day (that is how the server keeps daily counts), so tables and
 * filters use UTC too, and a request sits on the same day in both wherever the reader is.
 */
export const TIME_ZONE = 'UTC';

const dateTime = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE });
const dateTimeWithYear = new Intl.DateTimeFormat('en', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: TIME_ZONE,
});
const dateTimeSeconds = new Intl.DateTimeFormat('en', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZone: TIME_ZONE,
});
const dateOnly = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: TIME_ZONE });
const shortDay = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: TIME_ZONE });
const numbers = new Intl.NumberFormat('en');

/** "Nov 23, 16:05 UTC" this year, "Nov 23, 2025, 16:05 UTC" otherwise; `never` for null. */
export function formatDateTime(iso: string | null, never = 'Never'): string {
  if (iso === null) return never;
  const date = new Date(iso);
  return `${(date.getUTCFullYear() === new Date().getUTCFullYear() ? dateTime : dateTimeWithYear).format(date)} UTC`;
}

/** "Nov 23, 2026, 16:05:09 UTC": to the second, for request logs. */
export function formatDateTimeSeconds(iso: string): string {
  return `${dateTimeSeconds.format(new Date(iso))} UTC`;
}

/** "Nov 23, 2026" (the UTC day). */
export function formatDate(iso: string): string {
  return dateOnly.format(new Date(iso));
}

/** "Jan 5" of a YYYY-MM-DD day. */
export function formatDay(day: string): string {
  return shortDay.format(new Date(`${day}T00:00:00Z`));
}

/** YYYY-MM-DD of the UTC day `days` after the one of `time` (now by default). */
export function utcDay(days = 0, time = Date.now()): string {
  return new Date(time + days * 86_400_000).toISOString().slice(0, 10);
}

export function formatNumber(value: number): string {
  return numbers.format(value);
}

/** "Unlimited" for the contract's null limits. */
export function formatLimit(value: number | null): string {
  return value === null ? 'Unlimited' : numbers.format(value);
}
