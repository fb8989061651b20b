import { afterAll, describe, expect, it } from 'vitest';
import { needsServices } from '../../test/needs-services.js';
import { RedisClients } from '../../test/redis-clients.js';
import { freshRedisPrefix, type TestService } from '../../test/services.js';
import type { SignupLimiter, SignupPolicy } from '../core/ports.js';
import { ManualClock } from '../lib/clock.js';
import { MemorySignupLimiter } from './memory/memory-signup-limiter.js';
import { RedisSignupLimiter } from './redis/redis-signup-limiter.js';

const redis = new RedisClients();
afterAll(() => redis.closeAll());

const POLICY: SignupPolicy = { limit: 3, windowMs: 3_600_000 };

const backends: Array<{ name: string; needs?: TestService[]; open(clock: ManualClock): Promise<SignupLimiter> }> = [
  { name: 'MemorySignupLimiter', open: async (clock) => new MemorySignupLimiter(POLICY, clock) },
  {
    name: 'RedisSignupLimiter',
    needs: ['redis'],
    open: async (clock) => new RedisSignupLimiter(await redis.connect(), { ...POLICY, prefix: freshRedisPrefix() }, clock),
  },
];

describe.each(backends)('$name', ({ open, needs = [] }) => {
  needsServices(...needs);
  it('admits the limit per IP in any rolling window; a refusal is not counted', async () => {
    const clock = new ManualClock();
    const limiter = await open(clock);
    for (let i = 0; i < 3; i++) {
      expect(await limiter.admit('203.0.113.1')).toBe(true);
      clock.advance(1000);
    }
    expect(await limiter.admit('203.0.113.1')).toBe(false);
    expect(await limiter.admit('2001:db8::1')).toBe(true);
    // The first sign-up leaves the window an hour after it was made; the refusals made since do not hold a slot.
    clock.advance(3_600_000 - 3001);
    expect(await limiter.admit('203.0.113.1')).toBe(false);
    clock.advance(1);
    expect(await limiter.admit('203.0.113.1')).toBe(true);
    expect(await limiter.admit('203.0.113.1')).toBe(false);
  });

  it('admits exactly the limit of a concurrent burst', async () => {
    const limiter = await open(new ManualClock());
    const burst = await Promise.all(Array.from({ length: 20 }, () => limiter.admit('198.51.100.7')));
    expect(burst.filter(Boolean)).toHaveLength(3);
  });
});
