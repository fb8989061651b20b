import { describe, expect, it } from 'vitest';
import { MINUTE_MS, MinuteBuckets, SlidingLog } from './rolling-windows.js';

/** Reference: how many of `accepted` fall in (now - window, now]. */
const inWindow = (accepted: number[], now: number, window: number) => accepted.filter((t) => t > now - window && t <= now).length;

describe('SlidingLog', () => {
  it('never admits more than the limit in any window, under random arrivals', () => {
    const limit = 7;
    const window = 1000;
    const log = new SlidingLog(window);
    const accepted: number[] = [];
    let now = 0;
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 20_000; i++) {
      now += Math.floor(random() * 120);
      const admit = log.count(now) < limit;
      expect(admit).toBe(inWindow(accepted, now, window) < limit);
      if (admit) {
        log.add(now);
        accepted.push(now);
      }
    }
    for (let start = 0; start < now; start += 37) {
      expect(accepted.filter((t) => t >= start && t < start + window).length).toBeLessThanOrEqual(limit);
    }
  });

  it('frees a slot exactly one window after the oldest acceptance', () => {
    const log = new SlidingLog(60_000);
    log.add(1_000);
    log.add(1_500);
    expect(log.state(60, 2_000)).toEqual({ limit: 60, remaining: 58, resetSeconds: 59 });
    expect(log.count(60_999)).toBe(2);
    expect(log.count(61_000)).toBe(1);
    expect(log.state(60, 61_000)).toEqual({ limit: 60, remaining: 59, resetSeconds: 1 });
    expect(log.isEmpty(61_500)).toBe(true);
  });
});

describe('MinuteBuckets', () => {
  const DAY = 86_400_000;

  it('counts each window over the buckets that overlap it and never under-counts', () => {
    const buckets = new MinuteBuckets([DAY, 7 * DAY]);
    const accepted: number[] = [];
    let now = 10 * DAY;
    for (let i = 0; i < 5_000; i++) {
      now += 97_000;
      buckets.add(now);
      accepted.push(now);
      const day = buckets.count(0, now);
      expect(day).toBeGreaterThanOrEqual(inWindow(accepted, now, DAY));
      // At most one extra minute's worth.
      expect(day).toBeLessThanOrEqual(inWindow(accepted, now, DAY + MINUTE_MS));
      expect(buckets.count(1, now)).toBeGreaterThanOrEqual(inWindow(accepted, now, 7 * DAY));
    }
    expect(buckets.total).toBe(5_000);
  });

  it('lets a window roll past its oldest bucket', () => {
    const buckets = new MinuteBuckets([DAY]);
    const start = 100 * DAY;
    buckets.add(start, 5);
    expect(buckets.count(0, start + DAY - 1)).toBe(5);
    expect(buckets.count(0, start + DAY + MINUTE_MS)).toBe(0);
    expect(buckets.total).toBe(5);
  });

  it('resumes from stored buckets and an all-time total', () => {
    const now = 200 * DAY;
    const minute = Math.floor(now / MINUTE_MS);
    const buckets = new MinuteBuckets([DAY, 30 * DAY], 1_000);
    buckets.load([
      [minute - 29 * 1440, 4],
      [minute - 2 * 1440, 3],
      [minute - 10, 2],
    ]);
    expect(buckets.count(0, now)).toBe(2);
    expect(buckets.count(1, now)).toBe(9);
    expect(buckets.total).toBe(1_000);
  });
});
