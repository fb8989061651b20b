import type { CollectLimiter, CollectLimits, CollectRefusal } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';
import { defineScript, EXPIRY_SLACK_MS, type RedisClient, SLIDING_LOG_LUA } from './redis-scripts.js';

const WINDOW_MS = 1000;

// KEYS: the site key's log, the IP's log. ARGV: now, site limit, IP limit, window, slack.
const ADMIT_LUA = `${SLIDING_LOG_LUA}
local now, site_limit, ip_limit, window, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if log_count(KEYS[1], now, window) >= site_limit then return 'site' end
if log_count(KEYS[2], now, window) >= ip_limit then return 'ip' end
log_add(KEYS[1], now, window, slack)
log_add(KEYS[2], now, window, slack)
return 'ok'
`;

/** The tracking limits shared by every instance on one Redis: one script checks both and consumes both. */
export class RedisCollectLimiter implements CollectLimiter {
  private readonly admitScript;

  constructor(
    redis: RedisClient,
    private readonly options: { prefix: string },
    private readonly clock: Clock,
  ) {
    this.admitScript = defineScript<'ok' | CollectRefusal>(redis, 'collect_admit', ADMIT_LUA);
  }

  admit(siteKey: string, ip: string, limits: CollectLimits): Promise<'ok' | CollectRefusal> {
    const { prefix } = this.options;
    return this.admitScript(
      [`${prefix}collect:site:${siteKey}`, `${prefix}collect:ip:${ip}`],
      [this.clock.now(), limits.sitePerSecond, limits.ipPerSecond, WINDOW_MS, EXPIRY_SLACK_MS],
    );
  }
}
