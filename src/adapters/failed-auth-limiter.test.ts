import { afterAll, describe, expect, it } from 'vitest';
import { needsServices } from '../../test/needs-services.js';
import { RedisClients } from '../../test/redis-clients.js';
import { freshRedisPrefix, type TestService } from '../../test/services.js';
import type { FailedAuthLimiter, FailedAuthPolicy } from '../core/ports.js';
import { ManualClock } from '../lib/clock.js';
import { MemoryFailedAuthLimiter } from './memory/memory-failed-auth-limiter.js';
import { RedisFailedAuthLimiter } from './redis/redis-failed-auth-limiter.js';

const redis = new RedisClients();
afterAll(() => redis.closeAll());

const policy: FailedAuthPolicy = { limit: 10, windowMs: 60_000, blockMs: 900_000 };

const backends: Array<{ name: string; needs?: TestService[]; open(clock: ManualClock): Promise<FailedAuthLimiter> }> = [
  { name: 'MemoryFailedAuthLimiter', open: async (clock) => new MemoryFailedAuthLimiter(policy, clock) },
  {
    name: 'RedisFailedAuthLimiter',
    needs: ['redis'],
    open: async (clock) => new RedisFailedAuthLimiter(await redis.connect(), { ...policy, prefix: freshRedisPrefix() }, clock),
  },
];

describe.each(backends)('$name', ({ open, needs = [] }) => {
  needsServices(...needs);
  const setup = async () => {
    const clock = new ManualClock();
    return { clock, limiter: await open(clock) };
  };

  it('blocks an IP at its 10th failure within 60 s, for 15 minutes', async () => {
    const { clock, limiter } = await setup();
    for (let i = 1; i <= 9; i++) expect(await limiter.recordFailure('192.0.2.1')).toBe(false);
    expect(await limiter.isBlocked('192.0.2.1')).toBe(false);
    expect(await limiter.recordFailure('192.0.2.1')).toBe(true);
    expect(await limiter.isBlocked('192.0.2.1')).toBe(true);
    expect(await limiter.isBlocked('192.0.2.2')).toBe(false);
    clock.advance(900_000 - 1);
    expect(await limiter.isBlocked('192.0.2.1')).toBe(true);
    clock.advance(1);
    expect(await limiter.isBlocked('192.0.2.1')).toBe(false);
  });

  it('forgets failures older than the window', async () => {
    const { clock, limiter } = await setup();
    for (let i = 0; i < 9; i++) await limiter.recordFailure('192.0.2.1');
    clock.advance(60_000);
    expect(await limiter.recordFailure('192.0.2.1')).toBe(false);
    expect(await limiter.isBlocked('192.0.2.1')).toBe(false);
  });

  it('counts failures spread across a rolling window', async () => {
    const { clock, limiter } = await setup();
    for (let i = 0; i < 9; i++) {
      await limiter.recordFailure('2001:db8::1');
      clock.advance(6_000);
    }
    expect(await limiter.recordFailure('2001:db8::1')).toBe(true);
  });

  it('counts concurrent failures exactly: each 10th starts a block', async () => {
    const { limiter } = await setup();
    const started = await Promise.all(Array.from({ length: 25 }, () => limiter.recordFailure('192.0.2.7')));
    // The 10th starts a block and clears the count; the 20th starts another.
    expect(started.filter(Boolean)).toHaveLength(2);
    expect(await limiter.isBlocked('192.0.2.7')).toBe(true);
  });
});
