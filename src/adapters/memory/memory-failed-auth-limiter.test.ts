import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { MemoryFailedAuthLimiter } from './memory-failed-auth-limiter.js';

describe('failed-auth limiter', () => {
  const setup = () => {
    const clock = new ManualClock();
    return { clock, limiter: new MemoryFailedAuthLimiter({ limit: 10, windowMs: 60_000, blockMs: 900_000 }, clock) };
  };

  it('blocks an IP at its 10th failure within 60 s, for 15 minutes', async () => {
    const { clock, limiter } = setup();
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
    const { clock, limiter } = setup();
    for (let i = 0; i < 9; i++) await limiter.recordFailure('192.0.2.1');
    clock.advance(60_000);
    expect(await limiter.recordFailure('192.0.2.1')).toBe(false);
    expect(await limiter.isBlocked('192.0.2.1')).toBe(false);
  });

  it('counts failures spread across a rolling window', async () => {
    const { clock, limiter } = setup();
    for (let i = 0; i < 9; i++) {
      await limiter.recordFailure('2001:db8::1');
      clock.advance(6_000);
    }
    expect(await limiter.recordFailure('2001:db8::1')).toBe(true);
  });
});
