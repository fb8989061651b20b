import { describe, expect, it } from 'vitest';
import { dateOfDay, dayOf, dayOfDate, monthOf, timeOfIso } from './utc-days.js';

describe('UTC days', () => {
  it('round-trips dates', () => {
    expect(dateOfDay(dayOfDate('2026-01-15')!)).toBe('2026-01-15');
    expect(dayOfDate('1970-01-02')).toBe(1);
  });

  it('refuses what is not a real YYYY-MM-DD date', () => {
    for (const text of ['2026-02-30', '2026-13-01', '2026-1-5', '20260105', 'yesterday', '2026-01-05T00:00:00Z', '']) {
      expect(dayOfDate(text), text).toBeUndefined();
    }
    expect(dayOfDate('2024-02-29')).toBe(dayOf(Date.UTC(2024, 1, 29)));
  });

  it('gives the calendar month in UTC, leap years included', () => {
    const feb = monthOf(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect([dateOfDay(feb.from), dateOfDay(feb.to)]).toEqual(['2024-02-01', '2024-02-29']);
    const dec = monthOf(Date.UTC(2025, 11, 31, 12));
    expect([dateOfDay(dec.from), dateOfDay(dec.to)]).toEqual(['2025-12-01', '2025-12-31']);
    expect(dayOf(Date.UTC(2026, 0, 1) - 1)).toBe(dec.to);
  });
});

describe('timeOfIso', () => {
  it('reads RFC 3339 date-times, with Z or an offset, seconds and fractions optional', () => {
    expect(timeOfIso('2027-01-31T00:00:00Z')).toBe(Date.UTC(2027, 0, 31));
    expect(timeOfIso('2027-01-31T02:30+02:30')).toBe(Date.UTC(2027, 0, 31));
    expect(timeOfIso('2028-02-29T12:00:00.250Z')).toBe(Date.UTC(2028, 1, 29, 12, 0, 0, 250));
  });

  it('refuses days that do not exist instead of rolling them over, and anything not a date-time', () => {
    for (const text of [
      '2099-02-30T00:00:00Z',
      '2027-02-29T00:00:00Z',
      '2027-04-31T00:00:00Z',
      '2027-13-01T00:00:00Z',
      '2027-01-01T24:00:00Z',
      '2027-01-01T00:60:00Z',
      '2027-01-01T00:00:60Z',
      '2027-01-01',
      '2027-01-01T00:00:00',
      'tomorrow',
      '1e12',
      ' 2027-01-01T00:00:00Z',
    ]) {
      expect(timeOfIso(text), text).toBeUndefined();
    }
  });
});
