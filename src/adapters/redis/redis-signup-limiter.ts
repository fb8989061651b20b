import type { SignupLimiter, SignupPolicy } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';
import { defineScript, EXPIRY_SLACK_MS, type RedisClient, SLIDING_WINDOW_ADMIT_LUA } from './redis-scripts.js';

/** Sign-ups per IP shared by every instance on one Redis: one script checks and counts. */
export class RedisSignupLimiter implements SignupLimiter {
  private readonly admitScript;

  constructor(
    redis: RedisClient,
    private readonly options: SignupPolicy & { prefix: string },
    private readonly clock: Clock,
  ) {
    this.admitScript = defineScript<0 | 1>(redis, 'signup_admit', SLIDING_WINDOW_ADMIT_LUA);
  }

  async admit(ip: string): Promise<boolean> {
    const { prefix, limit, windowMs } = this.options;
    return (await this.admitScript([`${prefix}signup:${ip}`], [this.clock.now(), limit, windowMs, EXPIRY_SLACK_MS])) === 1;
  }
}
