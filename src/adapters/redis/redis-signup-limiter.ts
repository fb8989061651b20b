import type { SignupLimiter, SignupPolicy } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';
import { defineScript, EXPIRY_SLACK_MS, SLIDING_LOG_LUA, type RedisClient } from './redis-scripts.js';

// KEYS: the IP's sign-up log. ARGV: now, limit, window, slack.
const ADMIT_LUA = `${SLIDING_LOG_LUA}
local now, limit, window, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if log_count(KEYS[1], now, window) >= limit then return 0 end
log_add(KEYS[1], now, window, slack)
return 1
`;

/** Sign-ups per IP shared by every instance on one Redis: one script checks and counts. */
export class RedisSignupLimiter implements SignupLimiter {
  private readonly admitScript;

  constructor(
    redis: RedisClient,
    private readonly options: SignupPolicy & { prefix: string },
    private readonly clock: Clock,
  ) {
    this.admitScript = defineScript<0 | 1>(redis, 'signup_admit', ADMIT_LUA);
  }

  async admit(ip: string): Promise<boolean> {
    const { prefix, limit, windowMs } = this.options;
    return (await this.admitScript([`${prefix}signup:${ip}`], [this.clock.now(), limit, windowMs, EXPIRY_SLACK_MS])) === 1;
  }
}
