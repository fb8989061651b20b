/** Calendar days in UTC, as whole days since the epoch: what event rollups are keyed by. */

export const DAY_MS = 86_400_000;

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** `YYYY-MM-DD` of a day. */
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The day a `YYYY-MM-DD` date names, or undefined for anything else (2026-02-30 included). */
export function dayOfDate(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || dateOfDay(dayOf(ms)) !== text ? undefined : dayOf(ms);
}

/** The first and last day of the calendar month that `ms` falls in. */
export function monthOf(ms: number): { from: number; to: number } {
  const date = new Date(ms);
  const first = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { from: dayOf(first), to: dayOf(next) - 1 };
}

/** The ISO 8601 text of an instant, in UTC to the millisecond: how every answer writes a time. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * The instant an ISO 8601 / RFC 3339 date-time names (`2027-01-31T00:00:00Z`, an offset
 * such as `+02:00` instead of `Z`), or undefined for anything else: a day that does not exist
 * (`2099-02-30`, which Date.parse would roll over into March) included.
 */
export function timeOfIso(text: string): number | undefined {
  const match = DATE_TIME.exec(text);
  if (!match || dayOfDate(match[1]!) === undefined) return undefined;
  return Date.parse(text);
}
