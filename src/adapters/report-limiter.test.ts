import { afterAll, describe, expect, it } from 'vitest';
import { needsServices } from '../../test/needs-services.js';
import { RedisClients } from '../../test/redis-clients.js';
import { freshRedisPrefix, type TestService } from '../../test/services.js';
import type { ReportLimiter, ReportLimits } from '../core/ports.js';
import { ManualClock } from '../lib/clock.js';
import { MemoryReportLimiter } from './memory/memory-report-limiter.js';
import { RedisReportLimiter } from './redis/redis-report-limiter.js';

const redis = new RedisClients();
afterAll(() => redis.closeAll());

const LIMITS: ReportLimits = { perIp: 3, windowMs: 60_000 };

const backends: Array<{ name: string; needs?: TestService[]; open(clock: ManualClock): Promise<ReportLimiter> }> = [
  { name: 'MemoryReportLimiter', open: async (clock) => new MemoryReportLimiter(LIMITS, clock) },
  {
    name: 'RedisReportLimiter',
    needs: ['redis'],
    open: async (clock) => new RedisReportLimiter(await redis.connect(), { ...LIMITS, prefix: freshRedisPrefix() }, clock),
  },
];

describe.each(backends)('$name', ({ open, needs = [] }) => {
  needsServices(...needs);
  it('admits exactly the limit per IP in any rolling window, each IP on its own', async () => {
    const clock = new ManualClock();
    const limiter = await open(clock);
    for (let i = 0; i < 3; i++) expect(await limiter.admit('10.0.0.1')).toBe(true);
    expect(await limiter.admit('10.0.0.1')).toBe(false);
    expect(await limiter.admit('2001:db8::1')).toBe(true);
    clock.advance(59_999);
    expect(await limiter.admit('10.0.0.1')).toBe(false);
    clock.advance(1);
    expect(await limiter.admit('10.0.0.1')).toBe(true);
  });

  it('admits exactly the limit of a concurrent burst', async () => {
    const limiter = await open(new ManualClock());
    const burst = await Promise.all(Array.from({ length: 20 }, () => limiter.admit('10.0.0.2')));
    expect(burst.filter(Boolean)).toHaveLength(3);
  });
});
