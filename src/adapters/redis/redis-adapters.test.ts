import { afterAll, describe, expect, it } from 'vitest';
import { needsServices } from '../../../test/needs-services.js';
import { RedisClients } from '../../../test/redis-clients.js';
import { freshRedisPrefix } from '../../../test/services.js';
import type { UsageHistory, UsageLimits } from '../../core/ports.js';
import { MINUTE_MS } from '../../core/rolling-windows.js';
import { ManualClock } from '../../lib/clock.js';
import { DAY_MS } from '../../lib/utc-days.js';
import { RedisCollectLimiter } from './redis-collect-limiter.js';
import { RedisFailedAuthLimiter } from './redis-failed-auth-limiter.js';
import { RedisKeyChangeSignal } from './redis-key-change-signal.js';
import { EXPIRY_SLACK_MS } from './redis-scripts.js';
import { RedisUsageLimiter } from './redis-usage-limiter.js';

/** What the shared suites cannot see: Redis's own keys, and instances that disagree on the time. */

const redis = new RedisClients();
afterAll(() => redis.closeAll());

const noHistory: UsageHistory = { keyUsage: async () => ({ total: 0, minutes: [], recent: [] }), accountRecent: async () => [] };
const limits: UsageLimits = { accountPerSecond: 10, accountPerMinute: 100, perKeyPerMinute: 60, quotas: { daily: 1000 } };
const key = { id: 'key_1', accountId: 'acct_1' };

describe('Redis adapters', () => {
  needsServices('redis');

  it('admit a cached key in one step only while its IP is not blocked and stored keys are unchanged, consuming nothing otherwise', async () => {
    const client = await redis.connect();
    const prefix = freshRedisPrefix();
    const clock = new ManualClock();
    const limiter = new RedisUsageLimiter(client, { prefix, history: noHistory }, clock);
    const signal = new RedisKeyChangeSignal(client, { prefix });
    const failedAuth = new RedisFailedAuthLimiter(client, { prefix, limit: 1, windowMs: 60_000, blockMs: 900_000 }, clock);
    const oneAllowed: UsageLimits = { accountPerSecond: null, accountPerMinute: null, perKeyPerMinute: 1, quotas: {} };
    const version = await signal.version();

    await signal.announce();
    expect(await limiter.admitGuarded(key, oneAllowed, { ip: '192.0.2.9', keysVersion: version })).toEqual({ ok: false, code: 'KEYS_CHANGED' });
    const current = await signal.version();
    await failedAuth.recordFailure('192.0.2.9');
    expect(await limiter.admitGuarded(key, oneAllowed, { ip: '192.0.2.9', keysVersion: current })).toEqual({ ok: false, code: 'IP_BLOCKED' });
    // Neither refusal consumed the key's one request a minute.
    expect(await limiter.admitGuarded(key, oneAllowed, { ip: '192.0.2.10', keysVersion: current })).toMatchObject({
      ok: true,
      perKey: { limit: 1, remaining: 0 },
    });
    expect(await limiter.admitGuarded(key, oneAllowed, { ip: '192.0.2.10', keysVersion: current })).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      limit: 'key_minute',
    });
    // A block over is no block.
    clock.advance(900_000);
    expect(await limiter.admitGuarded(key, oneAllowed, { ip: '192.0.2.9', keysVersion: current })).toMatchObject({ ok: true });
  });

  it('give every limiter key an expiry, no later than it stops mattering plus the slack', async () => {
    const client = await redis.connect();
    const prefix = freshRedisPrefix();
    const clock = new ManualClock();
    const usage = new RedisUsageLimiter(client, { prefix, history: noHistory }, clock);
    await usage.admit(key, limits);
    // A minute on, the first minute's count is kept as a quota bucket.
    clock.advance(MINUTE_MS);
    await usage.admit(key, limits);
    await new RedisCollectLimiter(client, { prefix }, clock).admit('ak_1', '192.0.2.1', { sitePerSecond: 100, ipPerSecond: 20 });
    const failedAuth = new RedisFailedAuthLimiter(client, { prefix, limit: 2, windowMs: 60_000, blockMs: 900_000 }, clock);
    await failedAuth.recordFailure('192.0.2.1');
    await failedAuth.recordFailure('192.0.2.2');
    await failedAuth.recordFailure('192.0.2.2');

    const longest = 30 * DAY_MS + MINUTE_MS;
    // How long each key can matter for: its window, its block, or the longest quota window.
    const lifetimes: Record<string, number> = {
      'account:acct_1:log': MINUTE_MS,
      'account:acct_1:seeded': MINUTE_MS,
      'auth:192.0.2.1:failures': 60_000,
      'auth:192.0.2.2:blocked': 900_000,
      'collect:ip:192.0.2.1': 1000,
      'collect:site:ak_1': 1000,
      'key:key_1:buckets': longest,
      'key:key_1:log': MINUTE_MS,
      'key:key_1:usage': longest,
    };
    const keys = (await client.keys(`${prefix}*`)).map((name) => name.slice(prefix.length));
    expect(keys.sort()).toEqual(Object.keys(lifetimes).sort());
    for (const name of keys) {
      const ttl = await client.pttl(prefix + name);
      expect(ttl, name).toBeGreaterThan(0);
      expect(ttl, name).toBeLessThanOrEqual(lifetimes[name]! + EXPIRY_SLACK_MS);
    }
  });

  it('counts a request from an instance whose clock lags into its own minute, exactly', async () => {
    const client = await redis.connect();
    const prefix = freshRedisPrefix();
    const minute = Math.floor(Date.UTC(2026, 0, 15, 12) / MINUTE_MS);
    const ahead = new ManualClock(minute * MINUTE_MS + MINUTE_MS + 5);
    const behind = new ManualClock(minute * MINUTE_MS + MINUTE_MS - 5);
    const daily = { accountPerSecond: null, accountPerMinute: null, perKeyPerMinute: null, quotas: { daily: 1 } };
    const first = new RedisUsageLimiter(client, { prefix, history: noHistory }, ahead);
    const second = new RedisUsageLimiter(client, { prefix, history: noHistory }, behind);
    expect(await first.admit(key, { ...daily, quotas: {} })).toEqual({ ok: true });
    expect(await second.admit(key, { ...daily, quotas: {} })).toEqual({ ok: true });

    // A day on, the lagging request's minute has left the window and the other's has not.
    ahead.set((minute + 1) * MINUTE_MS + DAY_MS);
    expect(await first.admit(key, daily)).toMatchObject({ ok: false, quota: 'daily' });
    ahead.set((minute + 2) * MINUTE_MS + DAY_MS);
    expect(await first.admit(key, daily)).toEqual({ ok: true });
  });

  it('signal a key change to every instance on its next read', async () => {
    const prefix = freshRedisPrefix();
    const here = new RedisKeyChangeSignal(await redis.connect(), { prefix });
    const there = new RedisKeyChangeSignal(await redis.connect(), { prefix });
    const before = await there.version();
    await here.announce();
    const after = await there.version();
    expect(after).not.toBe(before);
    expect(await here.version()).toBe(after);
  });

  it('never signals a version seen before, even after Redis lost its data', async () => {
    const prefix = freshRedisPrefix();
    const signal = new RedisKeyChangeSignal(await redis.connect(), { prefix });
    await signal.announce();
    const seen = await signal.version();
    await redis.flush(prefix);
    await signal.announce();
    expect(await signal.version()).not.toBe(seen);
  });
});
