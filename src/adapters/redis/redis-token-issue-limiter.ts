import type { TokenIssueLimiter } from '../../core/ports.js';
import { MINUTE_MS } from '../../core/rolling-windows.js';
import type { Clock } from '../../lib/clock.js';
import { defineScript, EXPIRY_SLACK_MS, type RedisClient, SLIDING_LOG_LUA } from './redis-scripts.js';

// KEYS: the key's issuance log. ARGV: now, limit, window, slack. Returns 0 when admitted, else the seconds until a slot frees.
const ADMIT_LUA = `${SLIDING_LOG_LUA}
local now, limit, window, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if log_count(KEYS[1], now, window) >= limit then return log_seconds_until_slot(KEYS[1], now, window) end
log_add(KEYS[1], now, window, slack)
return 0
`;

/** Token issuance per key, shared by every instance on one Redis: one script checks and consumes. */
export class RedisTokenIssueLimiter implements TokenIssueLimiter {
  private readonly admitScript;

  constructor(
    redis: RedisClient,
    private readonly options: { prefix: string },
    private readonly clock: Clock,
  ) {
    this.admitScript = defineScript<number>(redis, 'token_issue_admit', ADMIT_LUA);
  }

  async admit(keyId: string, perMinute: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const wait = await this.admitScript([`${this.options.prefix}oauth:issued:${keyId}`], [this.clock.now(), perMinute, MINUTE_MS, EXPIRY_SLACK_MS]);
    return wait === 0 ? { ok: true } : { ok: false, retryAfterSeconds: wait };
  }
}
