const dateTime = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const dateTimeWithYear = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });
const numbers = new Intl.NumberFormat('en');

/** "Nov 23, 4:05 PM" this year, "Nov 23, 2025, 4:05 PM" otherwise; `never` for null. */
export function formatDateTime(iso: string | null, never = 'Never'): string {
  if (iso === null) return never;
  const date = new Date(iso);
  return (date.getFullYear() === new Date().getFullYear() ? dateTime : dateTimeWithYear).format(date);
}

export function formatDate(iso: string): string {
  return dateOnly.format(new Date(iso));
}

export function formatNumber(value: number): string {
  return numbers.format(value);
}

/** "Unlimited" for the contract's null limits. */
export function formatLimit(value: number | null): string {
  return value === null ? 'Unlimited' : numbers.format(value);
}
