import type { ReportLimiter, ReportLimits } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';
import { defineScript, EXPIRY_SLACK_MS, type RedisClient, SLIDING_WINDOW_ADMIT_LUA } from './redis-scripts.js';

/** Leak reports per client IP shared by every instance on one Redis. */
export class RedisReportLimiter implements ReportLimiter {
  private readonly admitScript;

  constructor(
    redis: RedisClient,
    private readonly options: ReportLimits & { prefix: string },
    private readonly clock: Clock,
  ) {
    this.admitScript = defineScript<number>(redis, 'report_admit', SLIDING_WINDOW_ADMIT_LUA);
  }

  async admit(ip: string): Promise<boolean> {
    const { prefix, perIp, windowMs } = this.options;
    return (await this.admitScript([`${prefix}leak-report:ip:${ip}`], [this.clock.now(), perIp, windowMs, EXPIRY_SLACK_MS])) === 1;
  }
}
