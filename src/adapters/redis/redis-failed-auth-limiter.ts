import type { FailedAuthLimiter, FailedAuthPolicy } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';
import { blockKey } from './redis-keys.js';
import { defineScript, EXPIRY_SLACK_MS, type RedisClient, SLIDING_LOG_LUA } from './redis-scripts.js';

// KEYS: the IP's failure log, its block (the time it ends). ARGV: now, limit, window, block, slack.
const RECORD_FAILURE_LUA = `${SLIDING_LOG_LUA}
local now, limit, window, block, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
log_add(KEYS[1], now, window, slack)
if log_count(KEYS[1], now, window) < limit then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], now + block, 'PX', block + slack)
return 1
`;

/** Failed-auth counting and IP blocks shared by every instance on one Redis. */
export class RedisFailedAuthLimiter implements FailedAuthLimiter {
  private readonly recordScript;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: FailedAuthPolicy & { prefix: string },
    private readonly clock: Clock,
  ) {
    this.recordScript = defineScript<0 | 1>(redis, 'failed_auth_record', RECORD_FAILURE_LUA);
  }

  async isBlocked(ip: string): Promise<boolean> {
    const blockedUntil = await this.redis.get(this.blockKey(ip));
    return blockedUntil !== null && Number(blockedUntil) > this.clock.now();
  }

  async recordFailure(ip: string): Promise<boolean> {
    const { prefix, limit, windowMs, blockMs } = this.options;
    const started = await this.recordScript([`${prefix}auth:${ip}:failures`, this.blockKey(ip)], [this.clock.now(), limit, windowMs, blockMs, EXPIRY_SLACK_MS]);
    return started === 1;
  }

  private blockKey(ip: string): string {
    return blockKey(this.options.prefix, ip);
  }
}
