/**
 * Exact and bucketed rolling-window counters, pure and synchronous, used by the in-process
 * limiter. Times are epoch milliseconds.
 */

/** What a per-window limit looks like after a decision, for the RateLimit headers. */
export interface WindowState {
  limit: number;
  /** Accepts left in the window after this decision. */
  remaining: number;
  /** Whole seconds, rounded up, until the oldest accepted request leaves the window (a slot frees). */
  resetSeconds: number;
}

/**
 * An exact sliding log: accepts at `now` only while fewer than `limit` acceptances fall in
 * (now - windowMs, now]. Stores one [time, count] pair per distinct millisecond, so memory
 * is bounded by min(limit, windowMs) pairs.
 */
export class SlidingLog {
  private times: number[] = [];
  private counts: number[] = [];
  private head = 0;
  private total = 0;

  constructor(readonly windowMs: number) {}

  /** Drops acceptances that have left the window ending at `now`. */
  private expire(now: number): void {
    const edge = now - this.windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= edge) {
      this.total -= this.counts[this.head]!;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.counts = this.counts.slice(this.head);
      this.head = 0;
    }
  }

  count(now: number): number {
    this.expire(now);
    return this.total;
  }

  add(now: number): void {
    const last = this.times.length - 1;
    if (last >= this.head && this.times[last] === now) this.counts[last]!++;
    else {
      this.times.push(now);
      this.counts.push(1);
    }
    this.total++;
  }

  /** Whole seconds until the oldest acceptance in the window leaves it; 0 when none. */
  secondsUntilSlot(now: number): number {
    this.expire(now);
    const oldest = this.times[this.head];
    return oldest === undefined ? 0 : Math.ceil((oldest + this.windowMs - now) / 1000);
  }

  state(limit: number, now: number): WindowState {
    return { limit, remaining: Math.max(0, limit - this.count(now)), resetSeconds: this.secondsUntilSlot(now) };
  }

  /** True when the log holds nothing: the owner may forget it. */
  isEmpty(now: number): boolean {
    return this.count(now) === 0;
  }
}

export const MINUTE_MS = 60_000;

/**
 * Counts in one-minute buckets over several rolling windows at once. A window counts every
 * bucket that overlaps it, including the partly-expired oldest one, so it may over-count by
 * up to a minute's worth (a cap can bind up to a minute early) but never under-counts: a cap
 * is never exceeded.
 */
export class MinuteBuckets {
  private readonly minutes: number[] = [];
  private readonly counts: number[] = [];
  /** Per window: index of the first bucket still inside it, and the sum from there on. */
  private readonly starts: number[];
  private readonly sums: number[];

  constructor(
    private readonly windowsMs: readonly number[],
    private allTime = 0,
  ) {
    this.starts = windowsMs.map(() => 0);
    this.sums = windowsMs.map(() => 0);
  }

  /** Loads counts from storage: `buckets` as [minute index, count], ascending. */
  load(buckets: ReadonlyArray<readonly [number, number]>): void {
    for (const [minute, count] of buckets) this.addAt(minute, count);
  }

  /** The all-time count. */
  get total(): number {
    return this.allTime;
  }

  /** The count in window `w` (an index into `windowsMs`) ending at `now`. */
  count(w: number, now: number): number {
    this.advance(now);
    return this.sums[w]!;
  }

  add(now: number, count = 1): void {
    this.advance(now);
    this.addAt(Math.floor(now / MINUTE_MS), count);
    this.allTime += count;
  }

  private addAt(minute: number, count: number): void {
    const last = this.minutes.length - 1;
    if (last >= 0 && this.minutes[last] === minute) this.counts[last]! += count;
    else {
      this.minutes.push(minute);
      this.counts.push(count);
    }
    for (let w = 0; w < this.sums.length; w++) this.sums[w]! += count;
  }

  /** Moves each window's start past buckets that no longer overlap it. */
  private advance(now: number): void {
    for (let w = 0; w < this.windowsMs.length; w++) {
      // Buckets wholly before (now - window) have left; the one straddling the edge stays.
      const firstInside = Math.floor((now - this.windowsMs[w]!) / MINUTE_MS);
      while (this.starts[w]! < this.minutes.length && this.minutes[this.starts[w]!]! < firstInside) {
        this.sums[w]! -= this.counts[this.starts[w]!]!;
        this.starts[w]!++;
      }
    }
    const keepFrom = Math.min(...this.starts);
    if (keepFrom > 1024 && keepFrom * 2 > this.minutes.length) {
      this.minutes.splice(0, keepFrom);
      this.counts.splice(0, keepFrom);
      for (let w = 0; w < this.starts.length; w++) this.starts[w]! -= keepFrom;
    }
  }
}
