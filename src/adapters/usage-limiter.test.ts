import { afterAll, describe, expect, it } from 'vitest';
import { needsServices } from '../../test/needs-services.js';
import { RedisClients } from '../../test/redis-clients.js';
import { freshRedisPrefix, type TestService } from '../../test/services.js';
import type { Admission, UsageHistory, UsageLimiter, UsageLimits } from '../core/ports.js';
import { MINUTE_MS } from '../core/rolling-windows.js';
import { ManualClock } from '../lib/clock.js';
import { DAY_MS } from '../lib/utc-days.js';
import { MemoryUsageLimiter } from './memory/memory-usage-limiter.js';
import { RedisUsageLimiter } from './redis/redis-usage-limiter.js';

const SECOND = 1000;

/** Committed usage as storage keeps it: accepted requests, plus all-time counts whose logs were pruned. */
class CommittedUsage implements UsageHistory {
  private readonly accepted: Array<{ keyId: string; accountId: string; time: number }> = [];
  private readonly pruned = new Map<string, number>();
  private reads = 0;

  /** `staggerMs`: the first reads answer that much later each than the one before (up to three times), as a busy database might. */
  constructor(private readonly staggerMs = 0) {}

  /** Answers what was read now, after the read's lag: usage admitted meanwhile is missing, as from a snapshot. */
  private async answer<T>(result: T): Promise<T> {
    const ms = this.staggerMs * Math.min(this.reads++, 3);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return result;
  }

  record(key: Key, time: number): void {
    this.accepted.push({ keyId: key.id, accountId: key.accountId, time });
  }

  /** Usage of the key counted in its all-time total only, its logs long gone. */
  prunedUsage(key: Key, count: number): void {
    this.pruned.set(key.id, count);
  }

  async keyUsage(keyId: string, since: number, recentSince: number) {
    const times = this.accepted.filter((request) => request.keyId === keyId).map((request) => request.time);
    const minutes = new Map<number, number>();
    for (const time of times) {
      const minute = Math.floor(time / MINUTE_MS);
      if (minute >= Math.floor(since / MINUTE_MS)) minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
    }
    return this.answer({
      total: times.length + (this.pruned.get(keyId) ?? 0),
      minutes: [...minutes].sort(([a], [b]) => a - b),
      recent: times.filter((time) => time > recentSince),
    });
  }

  async accountRecent(accountId: string, since: number) {
    return this.answer(this.accepted.filter((request) => request.accountId === accountId && request.time > since).map((request) => request.time));
  }
}

interface Key {
  id: string;
  accountId: string;
}

interface Opened {
  limiter: UsageLimiter;
  /** Another instance sharing the limits: a second process on Redis; in memory, the same one. */
  peer(): Promise<UsageLimiter>;
  /** The limiter after its state is lost (a restart; a Redis flush) and must come back from storage. */
  lose(): Promise<UsageLimiter>;
}

const redis = new RedisClients();
afterAll(() => redis.closeAll());

const backends: Array<{ name: string; needs?: TestService[]; open(history: UsageHistory, clock: ManualClock): Promise<Opened> }> = [
  {
    name: 'MemoryUsageLimiter',
    async open(history, clock) {
      const limiter = new MemoryUsageLimiter(history, clock);
      return { limiter, peer: async () => limiter, lose: async () => new MemoryUsageLimiter(history, clock) };
    },
  },
  {
    name: 'RedisUsageLimiter',
    needs: ['redis'],
    async open(history, clock) {
      const prefix = freshRedisPrefix();
      const instance = async () => new RedisUsageLimiter(await redis.connect(), { prefix, history }, clock);
      const limiter = await instance();
      return {
        limiter,
        peer: instance,
        lose: async () => {
          await redis.flush(prefix);
          return limiter;
        },
      };
    },
  },
];

const unlimited: UsageLimits = { accountPerSecond: null, accountPerMinute: null, perKeyPerMinute: null, quotas: {} };
let keys = 0;
const newKey = (accountId = `acct_${++keys}`): Key => ({ id: `key_${++keys}`, accountId });

describe.each(backends)('$name', ({ open, needs = [] }) => {
  needsServices(...needs);
  const setup = async (historyStaggerMs = 0) => {
    const clock = new ManualClock();
    const history = new CommittedUsage(historyStaggerMs);
    const opened = await open(history, clock);
    /** Admits as the request pipeline does: what is accepted is committed with the request logs. */
    const admit = async (key: Key, limits: UsageLimits, limiter = opened.limiter): Promise<Admission> => {
      const admission = await limiter.admit(key, limits);
      if (admission.ok) history.record(key, clock.now());
      return admission;
    };
    const admitted = async (key: Key, limits: UsageLimits, count: number) => {
      for (let i = 0; i < count; i++) expect(await admit(key, limits)).toMatchObject({ ok: true });
    };
    return { clock, history, ...opened, admit, admitted };
  };

  describe('the per-key limit', () => {
    const limits = { ...unlimited, perKeyPerMinute: 5 };

    it('admits N in any rolling 60 s, counting down the window state', async () => {
      const { clock, admit } = await setup();
      const key = newKey();
      const start = clock.now();
      for (let i = 0; i < 5; i++) {
        // The first accepted request is the oldest in the window: a slot frees 60 s after it.
        expect(await admit(key, limits)).toEqual({ ok: true, perKey: { limit: 5, remaining: 4 - i, resetSeconds: 60 - i } });
        clock.advance(SECOND);
      }
      clock.set(start + 10 * SECOND);
      expect(await admit(key, limits)).toEqual({
        ok: false,
        code: 'RATE_LIMITED',
        limit: 'key_minute',
        retryAfterSeconds: 50,
        perKey: { limit: 5, remaining: 0, resetSeconds: 50 },
      });
      clock.set(start + 60 * SECOND - 1);
      expect(await admit(key, limits)).toMatchObject({ ok: false, retryAfterSeconds: 1 });
      // Exactly 60 s after the first its slot frees, and only that one: the refusals consumed nothing.
      clock.set(start + 60 * SECOND);
      expect(await admit(key, limits)).toMatchObject({ ok: true, perKey: { remaining: 0, resetSeconds: 1 } });
      expect(await admit(key, limits)).toMatchObject({ ok: false, limit: 'key_minute' });
      clock.set(start + 61 * SECOND);
      expect(await admit(key, limits)).toMatchObject({ ok: true });
    });

    it('counts each key on its own', async () => {
      const { admit, admitted } = await setup();
      const key = newKey();
      await admitted(key, limits, 5);
      expect(await admit(key, limits)).toMatchObject({ ok: false });
      expect(await admit(newKey(key.accountId), limits)).toMatchObject({ ok: true, perKey: { remaining: 4 } });
    });

    it('counts requests admitted while it was off, so switching it on binds at once', async () => {
      const { admit, admitted } = await setup();
      const key = newKey();
      await admitted(key, unlimited, 5);
      expect(await admit(key, unlimited)).toEqual({ ok: true });
      expect(await admit(key, limits)).toMatchObject({ ok: false, limit: 'key_minute', perKey: { remaining: 0 } });
    });
  });

  describe('the account-wide limits', () => {
    const limits = { ...unlimited, accountPerSecond: 3, accountPerMinute: 5 };

    it("hold per second, then per minute, across the account's keys, with Retry-After", async () => {
      const { clock, admit } = await setup();
      const key = newKey();
      const other = newKey(key.accountId);
      const start = clock.now();
      for (const each of [key, other, key]) expect(await admit(each, limits)).toEqual({ ok: true });
      expect(await admit(other, limits)).toEqual({ ok: false, code: 'RATE_LIMITED', limit: 'account_second', retryAfterSeconds: 1 });

      clock.set(start + SECOND);
      for (const each of [key, other]) expect(await admit(each, limits)).toEqual({ ok: true });
      // Five accepted in this minute; the oldest leaves at start + 60 s, 59 s from now.
      expect(await admit(key, limits)).toEqual({ ok: false, code: 'RATE_LIMITED', limit: 'account_minute', retryAfterSeconds: 59 });
      clock.set(start + 60 * SECOND - 1);
      expect(await admit(key, limits)).toMatchObject({ ok: false, limit: 'account_minute', retryAfterSeconds: 1 });
      clock.set(start + 60 * SECOND);
      expect(await admit(key, limits)).toEqual({ ok: true });
    });

    it('do not touch other accounts', async () => {
      const { admit, admitted } = await setup();
      const busy = newKey();
      await admitted(busy, limits, 3);
      expect(await admit(busy, limits)).toMatchObject({ ok: false });
      expect(await admit(newKey(), limits)).toEqual({ ok: true });
    });

    it('report the per-key window state on their refusals', async () => {
      const { admit, admitted } = await setup();
      const key = newKey();
      const both = { ...limits, perKeyPerMinute: 10 };
      await admitted(key, both, 3);
      expect(await admit(key, both)).toMatchObject({ ok: false, limit: 'account_second', perKey: { limit: 10, remaining: 7, resetSeconds: 60 } });
    });
  });

  describe('quotas', () => {
    const MINUTE = MINUTE_MS;

    it.each([
      ['daily', DAY_MS],
      ['weekly', 7 * DAY_MS],
      ['monthly', 30 * DAY_MS],
    ] as const)('%s: blocks at the cap until the window rolls past, within a minute', async (quota, windowMs) => {
      const { clock, admit, admitted } = await setup();
      const key = newKey();
      const limits = { ...unlimited, quotas: { [quota]: 3 } };
      const start = clock.now();
      await admitted(key, limits, 2);
      clock.set(start + windowMs / 2);
      await admitted(key, limits, 1);
      expect(await admit(key, limits)).toEqual({ ok: false, code: 'QUOTA_EXCEEDED', quota });
      // Still inside the window of the first two: refused, and the refusals consumed nothing.
      clock.set(start + windowMs - 1);
      expect(await admit(key, limits)).toMatchObject({ ok: false, quota });
      // Counted in one-minute buckets: the first two leave at most a minute after their exact time.
      clock.set(start + windowMs + MINUTE);
      await admitted(key, limits, 2);
      expect(await admit(key, limits)).toMatchObject({ ok: false, quota });
    });

    it('counts whole minute buckets: the straddling one binds up to a minute early', async () => {
      const { clock, admit, admitted } = await setup();
      const key = newKey();
      const limits = { ...unlimited, quotas: { daily: 1 } };
      clock.set(Date.UTC(2026, 0, 15, 12, 0, 30));
      await admitted(key, limits, 1);
      clock.set(Date.UTC(2026, 0, 16, 12, 0, 31));
      expect(await admit(key, limits)).toMatchObject({ ok: false, quota: 'daily' });
      clock.set(Date.UTC(2026, 0, 16, 12, 1, 0));
      expect(await admit(key, limits)).toEqual({ ok: true });
    });

    it('total: never frees, however much time passes', async () => {
      const { clock, admit, admitted } = await setup();
      const key = newKey();
      const limits = { ...unlimited, quotas: { total: 2 } };
      await admitted(key, limits, 2);
      expect(await admit(key, limits)).toEqual({ ok: false, code: 'QUOTA_EXCEEDED', quota: 'total' });
      clock.advance(400 * DAY_MS);
      expect(await admit(key, limits)).toEqual({ ok: false, code: 'QUOTA_EXCEEDED', quota: 'total' });
    });

    it('names the first quota reached, in the order total, daily, weekly, monthly', async () => {
      const { admit, admitted } = await setup();
      const key = newKey();
      const limits = { ...unlimited, quotas: { monthly: 1, weekly: 1, daily: 1 } };
      await admitted(key, limits, 1);
      expect(await admit(key, limits)).toMatchObject({ quota: 'daily' });
      expect(await admit(key, { ...limits, quotas: { ...limits.quotas, total: 1 } })).toMatchObject({ quota: 'total' });
    });
  });

  it('consumes nothing on a refusal, whichever limit refused', async () => {
    const { clock, admit } = await setup();
    const key = newKey();
    const limits = { ...unlimited, accountPerSecond: 1, perKeyPerMinute: 2, quotas: { total: 3 } };
    expect(await admit(key, limits)).toMatchObject({ ok: true });
    for (let i = 0; i < 5; i++) expect(await admit(key, limits)).toMatchObject({ ok: false, limit: 'account_second' });
    clock.advance(SECOND);
    expect(await admit(key, limits)).toMatchObject({ ok: true, perKey: { remaining: 0 } });
    clock.advance(SECOND);
    for (let i = 0; i < 5; i++) expect(await admit(key, limits)).toMatchObject({ ok: false, limit: 'key_minute' });
    clock.advance(MINUTE_MS);
    expect(await admit(key, limits)).toMatchObject({ ok: true });
    clock.advance(SECOND);
    expect(await admit(key, limits)).toMatchObject({ ok: false, quota: 'total' });
  });

  it('admits exactly the limit of a concurrent burst spread over instances', async () => {
    const { clock, history, limiter, peer, admit } = await setup(20);
    const second = await peer();
    const key = newKey();
    // Usage committed before these instances started: both rebuild from it, one after the other
    // has admitted some, and it counts once.
    history.record(key, clock.now() - 10 * SECOND);
    history.record(key, clock.now() - 5 * SECOND);
    const limits = { ...unlimited, accountPerMinute: 30, perKeyPerMinute: 12, quotas: { daily: 30 } };
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => admit(key, limits, i % 2 === 0 ? limiter : second)));
    expect(burst.filter((admission) => admission.ok)).toHaveLength(10);
    expect(burst.filter((admission) => !admission.ok && admission.code === 'RATE_LIMITED' && admission.limit === 'key_minute')).toHaveLength(40);

    // The account limit binds across keys too, and the quota after minutes pass.
    const burst2 = await Promise.all(Array.from({ length: 50 }, (_, i) => admit(newKey(key.accountId), limits, i % 2 === 0 ? limiter : second)));
    expect(burst2.filter((admission) => admission.ok)).toHaveLength(30 - 12);
    clock.advance(MINUTE_MS);
    const burst3 = await Promise.all(Array.from({ length: 50 }, (_, i) => admit(key, limits, i % 2 === 0 ? limiter : second)));
    expect(burst3.filter((admission) => admission.ok)).toHaveLength(12);
    clock.advance(MINUTE_MS);
    const burst4 = await Promise.all(Array.from({ length: 50 }, (_, i) => admit(key, limits, i % 2 === 0 ? limiter : second)));
    expect(burst4.filter((admission) => admission.ok)).toHaveLength(30 - 2 - 10 - 12);
    expect(burst4.filter((admission) => !admission.ok && admission.code === 'QUOTA_EXCEEDED')).toHaveLength(44);
  });

  it('rebuilds its counts from committed usage after losing its state', async () => {
    const { clock, history, lose, admit, admitted } = await setup();
    const key = newKey();
    const limits = { ...unlimited, accountPerSecond: 3, perKeyPerMinute: 6, quotas: { daily: 9, total: 20 } };
    history.prunedUsage(key, 10);
    const start = clock.now();
    await admitted(key, limits, 3);
    clock.set(start + 30 * SECOND);
    await admitted(key, limits, 3);
    expect(await admit(key, limits)).toMatchObject({ ok: false, limit: 'account_second' });

    let limiter = await lose();
    expect(await admit(key, limits, limiter)).toEqual({
      ok: false,
      code: 'RATE_LIMITED',
      limit: 'account_second',
      retryAfterSeconds: 1,
      perKey: { limit: 6, remaining: 0, resetSeconds: 30 },
    });
    clock.set(start + 60 * SECOND);
    expect(await admit(key, limits, limiter)).toMatchObject({ ok: true, perKey: { remaining: 2, resetSeconds: 30 } });
    // Seven today, with nine a day: two left, whatever the limiter has lost.
    limiter = await lose();
    clock.set(start + 2 * MINUTE_MS);
    expect(await admit(key, limits, limiter)).toMatchObject({ ok: true });
    expect(await admit(key, limits, limiter)).toMatchObject({ ok: true });
    expect(await admit(key, limits, limiter)).toMatchObject({ ok: false, quota: 'daily' });
    // A day on, the all-time total binds: 10 pruned and 9 logged, so one more.
    limiter = await lose();
    clock.set(start + DAY_MS + 2 * MINUTE_MS);
    expect(await admit(key, limits, limiter)).toMatchObject({ ok: true });
    expect(await admit(key, limits, limiter)).toMatchObject({ ok: false, quota: 'total' });
  });
});

describe('RedisUsageLimiter against MemoryUsageLimiter', () => {
  needsServices('redis');

  it('decides every admission of a random walk through time, keys, concurrent bursts and state losses exactly as the in-memory limiter', async () => {
    // mulberry32: a seeded walk, so a failure replays.
    let seed = 0x5eed_2026;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const clock = new ManualClock();
    const history = new CommittedUsage();
    const prefix = freshRedisPrefix();
    const redisLimiter = new RedisUsageLimiter(await redis.connect(), { prefix, history }, clock);
    let memoryLimiter = new MemoryUsageLimiter(history, clock);
    // Each key with its own plan; the first two share an account.
    const first = newKey();
    const walkers: Array<{ key: Key; limits: UsageLimits }> = [
      { key: first, limits: { accountPerSecond: 3, accountPerMinute: 20, perKeyPerMinute: 8, quotas: { daily: 6, total: 100_000 } } },
      { key: newKey(first.accountId), limits: { accountPerSecond: 3, accountPerMinute: 20, perKeyPerMinute: null, quotas: { weekly: 50, monthly: 150 } } },
      { key: newKey(), limits: { accountPerSecond: null, accountPerMinute: 12, perKeyPerMinute: 5, quotas: { daily: 30 } } },
    ];
    // Concurrent admissions go to Redis together (one script call per turn of the event loop),
    // and must be decided as the in-memory limiter decides them one after the other. A key or
    // account not yet seeded is first admitted alone, as a burst's order is then its own.
    const admitBurst = async (burst: typeof walkers, step: number) => {
      const expected: Admission[] = [];
      for (const { key, limits } of burst) expected.push(await memoryLimiter.admit(key, limits));
      expect(await Promise.all(burst.map(({ key, limits }) => redisLimiter.admit(key, limits))), `step ${step}`).toEqual(expected);
      // Committed once both decided, as the pipeline commits an accepted request's log row.
      for (const [i, { key }] of burst.entries()) if (expected[i]!.ok) history.record(key, clock.now());
    };
    const seedAll = async (step: number) => {
      for (const walker of walkers) await admitBurst([walker], step);
    };
    await seedAll(-1);
    for (let step = 0; step < 3000; step++) {
      const roll = random();
      if (roll < 0.85) clock.advance(Math.floor(random() * 300));
      else if (roll < 0.93) clock.advance(Math.floor(random() * 90_000));
      // To about where the daily window's start crosses the minutes used a day ago.
      else if (roll < 0.975) clock.advance(DAY_MS - 3 * MINUTE_MS + Math.floor(random() * 4 * MINUTE_MS));
      else if (roll < 0.99) clock.advance(Math.floor(random() * 30 * 3_600_000));
      else {
        // Redis loses its data (and the process restarts): both rebuild from committed usage.
        await redis.flush(prefix);
        memoryLimiter = new MemoryUsageLimiter(history, clock);
        await seedAll(step);
        continue;
      }
      await admitBurst(
        Array.from({ length: 1 + Math.floor(random() * 4) }, () => walkers[Math.floor(random() * walkers.length)]!),
        step,
      );
    }
  });
});
