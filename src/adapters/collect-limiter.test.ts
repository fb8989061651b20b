import { afterAll, describe, expect, it } from 'vitest';
import { needsServices } from '../../test/needs-services.js';
import { RedisClients } from '../../test/redis-clients.js';
import { freshRedisPrefix, type TestService } from '../../test/services.js';
import type { CollectLimiter } from '../core/ports.js';
import { ManualClock } from '../lib/clock.js';
import { MemoryCollectLimiter } from './memory/memory-collect-limiter.js';
import { RedisCollectLimiter } from './redis/redis-collect-limiter.js';

const redis = new RedisClients();
afterAll(() => redis.closeAll());

const backends: Array<{ name: string; needs?: TestService[]; open(clock: ManualClock): Promise<CollectLimiter> }> = [
  { name: 'MemoryCollectLimiter', open: async (clock) => new MemoryCollectLimiter(clock) },
  {
    name: 'RedisCollectLimiter',
    needs: ['redis'],
    open: async (clock) => new RedisCollectLimiter(await redis.connect(), { prefix: freshRedisPrefix() }, clock),
  },
];

describe.each(backends)('$name', ({ open, needs = [] }) => {
  needsServices(...needs);
  it('admits exactly the limit per site key in any rolling second', async () => {
    const clock = new ManualClock();
    const limiter = await open(clock);
    const limits = { sitePerSecond: 3, ipPerSecond: 100 };
    for (let i = 0; i < 3; i++) expect(await limiter.admit('ak_a', `10.0.0.${i}`, limits)).toBe('ok');
    expect(await limiter.admit('ak_a', '10.0.0.9', limits)).toBe('site');
    expect(await limiter.admit('ak_b', '10.0.0.9', limits)).toBe('ok');
    clock.advance(999);
    expect(await limiter.admit('ak_a', '10.0.0.9', limits)).toBe('site');
    clock.advance(1);
    expect(await limiter.admit('ak_a', '10.0.0.9', limits)).toBe('ok');
  });

  it('admits exactly the limit per IP, and a refused hit consumes neither limit', async () => {
    const clock = new ManualClock();
    const limiter = await open(clock);
    const limits = { sitePerSecond: 3, ipPerSecond: 2 };
    expect(await limiter.admit('ak_a', '10.0.0.1', limits)).toBe('ok');
    expect(await limiter.admit('ak_b', '10.0.0.1', limits)).toBe('ok');
    expect(await limiter.admit('ak_a', '10.0.0.1', limits)).toBe('ip');
    // The refusal above did not use up ak_a's second slot.
    expect(await limiter.admit('ak_a', '10.0.0.2', limits)).toBe('ok');
    expect(await limiter.admit('ak_a', '10.0.0.3', limits)).toBe('ok');
    expect(await limiter.admit('ak_a', '10.0.0.4', limits)).toBe('site');
  });

  it('admits exactly the limit of a concurrent burst', async () => {
    const limiter = await open(new ManualClock());
    const limits = { sitePerSecond: 100, ipPerSecond: 20 };
    const burst = await Promise.all(Array.from({ length: 50 }, () => limiter.admit('ak_a', '2001:db8::1', limits)));
    expect(burst.filter((answer) => answer === 'ok')).toHaveLength(20);
  });
});
