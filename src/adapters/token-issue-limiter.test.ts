import { afterAll, describe, expect, it } from 'vitest';
import { needsServices } from '../../test/needs-services.js';
import { RedisClients } from '../../test/redis-clients.js';
import { freshRedisPrefix, type TestService } from '../../test/services.js';
import type { TokenIssueLimiter } from '../core/ports.js';
import { ManualClock } from '../lib/clock.js';
import { MemoryTokenIssueLimiter } from './memory/memory-token-issue-limiter.js';
import { RedisTokenIssueLimiter } from './redis/redis-token-issue-limiter.js';

const redis = new RedisClients();
afterAll(() => redis.closeAll());

const backends: Array<{ name: string; needs?: TestService[]; open(clock: ManualClock): Promise<TokenIssueLimiter> }> = [
  { name: 'MemoryTokenIssueLimiter', open: async (clock) => new MemoryTokenIssueLimiter(clock) },
  {
    name: 'RedisTokenIssueLimiter',
    needs: ['redis'],
    open: async (clock) => new RedisTokenIssueLimiter(await redis.connect(), { prefix: freshRedisPrefix() }, clock),
  },
];

describe.each(backends)('$name', ({ open, needs = [] }) => {
  needsServices(...needs);
  it('admits exactly the limit per key in any rolling minute and says when the next slot frees', async () => {
    const clock = new ManualClock();
    const limiter = await open(clock);
    expect(await limiter.admit('key_a', 2)).toEqual({ ok: true });
    clock.advance(10_000);
    expect(await limiter.admit('key_a', 2)).toEqual({ ok: true });
    expect(await limiter.admit('key_a', 2)).toEqual({ ok: false, retryAfterSeconds: 50 });
    expect(await limiter.admit('key_b', 2)).toEqual({ ok: true });
    clock.advance(49_999);
    expect(await limiter.admit('key_a', 2)).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.advance(1);
    expect(await limiter.admit('key_a', 2)).toEqual({ ok: true });
    expect(await limiter.admit('key_a', 2)).toEqual({ ok: false, retryAfterSeconds: 10 });
  });

  it('admits exactly the limit of a concurrent burst', async () => {
    const limiter = await open(new ManualClock());
    const burst = await Promise.all(Array.from({ length: 30 }, () => limiter.admit('key_a', 7)));
    expect(burst.filter((answer) => answer.ok)).toHaveLength(7);
  });
});
