const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });
const numbers = new Intl.NumberFormat('en');

export function formatDateTime(iso: string | null, never = 'Never'): string {
  return iso === null ? never : dateTime.format(new Date(iso));
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
