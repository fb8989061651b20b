import type { ReportLimiter, ReportLimits } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';
import { defineScript, EXPIRY_SLACK_MS, SLIDING_LOG_LUA, type RedisClient } from './redis-scripts.js';

// KEYS: the IP's log. ARGV: now, limit, window, slack.
const ADMIT_LUA = `${SLIDING_LOG_LUA}
local now, limit, window, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if log_count(KEYS[1], now, window) >= limit then return 0 end
log_add(KEYS[1], now, window, slack)
return 1
`;

/** Leak reports per client IP shared by every instance on one Redis. */
export class RedisReportLimiter implements ReportLimiter {
  private readonly admitScript;

  constructor(
    redis: RedisClient,
    private readonly options: ReportLimits & { prefix: string },
    private readonly clock: Clock,
  ) {
    this.admitScript = defineScript<number>(redis, 'report_admit', ADMIT_LUA);
  }

  async admit(ip: string): Promise<boolean> {
    const { prefix, perIp, windowMs } = this.options;
    return (await this.admitScript([`${prefix}leak-report:ip:${ip}`], [this.clock.now(), perIp, windowMs, EXPIRY_SLACK_MS])) === 1;
  }
}
