import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { MemoryFailedAuthLimiter } from './memory-failed-auth-limiter.js';

const policy = { limit: 10, windowMs: 60_000, blockMs: 900_000 };

/** The i-th of 2^32 distinct IPv6 addresses in 2001:db8::/32. */
const ipv6 = (i: number) => `2001:db8:${(i >>> 16).toString(16)}::${(i & 0xffff).toString(16)}`;

async function fail(limiter: MemoryFailedAuthLimiter, ip: string, times: number): Promise<boolean[]> {
  const started = [];
  for (let i = 0; i < times; i++) started.push(await limiter.recordFailure(ip));
  return started;
}

describe('MemoryFailedAuthLimiter bounds', () => {
  it('stays within its bound through 1 M distinct IPs and still blocks recent ones exactly', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryFailedAuthLimiter(policy, clock, { maxCountedIps: 100_000 });
    expect(await fail(limiter, '2001:db8:ffff::1', 10)).toContain(true);

    // One failure each, all within one window: no entry is idle, so none could be swept as expired.
    for (let i = 0; i < 1_000_000; i++) await limiter.recordFailure(ipv6(i));
    expect(limiter.trackedIps).toBeLessThanOrEqual(100_001);

    expect(await limiter.isBlocked('2001:db8:ffff::1')).toBe(true);
    // The latest IP of the flood keeps its one failure: its 10th is the 9th from now.
    const latest = ipv6(999_999);
    expect(await fail(limiter, latest, 9)).toEqual([...Array(8).fill(false), true]);
    expect(await limiter.isBlocked(latest)).toBe(true);
    const fresh = '2001:db8:fffe::1';
    expect(await fail(limiter, fresh, 10)).toEqual([...Array(9).fill(false), true]);
    expect(await limiter.isBlocked(ipv6(999_998))).toBe(false);
    expect(limiter.trackedIps).toBeLessThanOrEqual(100_003);
  });

  it('forgets the least recently failing IPs first, not one that keeps failing', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryFailedAuthLimiter(policy, clock, { maxCountedIps: 4 });
    await fail(limiter, '192.0.2.1', 5);
    await fail(limiter, '192.0.2.2', 5);
    await fail(limiter, '192.0.2.1', 1);
    await fail(limiter, '192.0.2.3', 1);
    await fail(limiter, '192.0.2.4', 1);
    // 192.0.2.2 was the least recent and is forgotten; 192.0.2.1 kept its 6.
    expect(await fail(limiter, '192.0.2.1', 4)).toEqual([false, false, false, true]);
    expect(await fail(limiter, '192.0.2.2', 5)).toEqual([false, false, false, false, false]);
  });

  it('lifts the oldest blocks when more IPs are blocked than it holds', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryFailedAuthLimiter(policy, clock, { maxBlockedIps: 2 });
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      await fail(limiter, ip, 10);
      clock.advance(1000);
    }
    expect(await limiter.isBlocked('192.0.2.1')).toBe(false);
    expect(await limiter.isBlocked('192.0.2.2')).toBe(true);
    expect(await limiter.isBlocked('192.0.2.3')).toBe(true);
    expect(limiter.trackedIps).toBe(2);
  });
});
