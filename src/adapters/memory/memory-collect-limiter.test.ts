import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { MemoryCollectLimiter } from './memory-collect-limiter.js';

describe('MemoryCollectLimiter', () => {
  it('admits exactly the limit per site key in any rolling second', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryCollectLimiter(clock);
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
    const limiter = new MemoryCollectLimiter(clock);
    const limits = { sitePerSecond: 3, ipPerSecond: 2 };
    expect(await limiter.admit('ak_a', '10.0.0.1', limits)).toBe('ok');
    expect(await limiter.admit('ak_b', '10.0.0.1', limits)).toBe('ok');
    expect(await limiter.admit('ak_a', '10.0.0.1', limits)).toBe('ip');
    // The refusal above did not use up ak_a's second slot.
    expect(await limiter.admit('ak_a', '10.0.0.2', limits)).toBe('ok');
    expect(await limiter.admit('ak_a', '10.0.0.3', limits)).toBe('ok');
    expect(await limiter.admit('ak_a', '10.0.0.4', limits)).toBe('site');
  });
});
