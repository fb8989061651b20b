import type { Cluster, Redis } from 'ioredis';

/** One Redis, or a Redis Cluster: every key of a deployment shares one hash tag (its prefix), so scripts run on either. */
export type RedisClient = Redis | Cluster;

/**
 * How long past the moment it stops mattering a key is kept: TTLs run on Redis's clock, the
 * limits on the instances' (or a test's), so keys must outlive small disagreements between them.
 */
export const EXPIRY_SLACK_MS = 60_000;

/**
 * Exact sliding logs in Lua, as SlidingLog keeps them in memory: a sorted set scored by the
 * accepted times, counting those in (now - window, now] (and any later, from a clock ahead).
 */
export const SLIDING_LOG_LUA = `
local function log_count(key, now, window)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  return redis.call('ZCARD', key)
end

local function log_add(key, now, window, slack)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  -- Acceptances within one millisecond are told apart by how many came before them.
  redis.call('ZADD', key, now, now .. ':' .. redis.call('ZCOUNT', key, now, now))
  redis.call('PEXPIRE', key, window + slack)
end

-- Fills an empty log with ascending times as log_add would one by one, but in few commands:
-- a rebuild may load a busy account's whole minute.
local function log_load(key, times, now, window, slack)
  local args, previous, rank = {}, nil, 0
  for _, time in ipairs(times) do
    if time > now - window then
      rank = time == previous and rank + 1 or 0
      previous = time
      args[#args + 1] = time
      args[#args + 1] = time .. ':' .. rank
      if #args >= 2000 then
        redis.call('ZADD', key, unpack(args))
        args = {}
      end
    end
  end
  if #args > 0 then redis.call('ZADD', key, unpack(args)) end
  redis.call('PEXPIRE', key, window + slack)
end

-- Whole seconds until the oldest acceptance leaves the window; 0 when none. Count first.
local function log_seconds_until_slot(key, now, window)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
  if not oldest then return 0 end
  return math.ceil((tonumber(oldest) + window - now) / 1000)
end
`;

/**
 * Admits one event of a key (an IP's leak reports, its sign-ups) unless `limit` already fell within
 * the rolling window; consumes nothing when refused. KEYS: the log. ARGV: now, limit, window, slack.
 */
export const SLIDING_WINDOW_ADMIT_LUA = `${SLIDING_LOG_LUA}
local now, limit, window, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if log_count(KEYS[1], now, window) >= limit then return 0 end
log_add(KEYS[1], now, window, slack)
return 1
`;

export type ScriptArg = string | number;

/**
 * A Lua script as a function of its keys and arguments. ioredis runs it by SHA1, sends the
 * source when Redis answers NOSCRIPT (after a restart) and auto-pipelines it like any command.
 */
export function defineScript<Reply>(redis: RedisClient, name: string, lua: string): (keys: string[], args: ScriptArg[]) => Promise<Reply> {
  const command = `keygate_${name}`;
  // Without numberOfKeys, ioredis takes the key count as the first argument.
  redis.defineCommand(command, { lua });
  const run = (redis as unknown as Record<string, (...args: ScriptArg[]) => Promise<Reply>>)[command]!;
  return (keys, args) => run.call(redis, keys.length, ...keys, ...args);
}
