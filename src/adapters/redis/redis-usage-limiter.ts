import { type ApiKey, QUOTA_WINDOWS } from '../../core/model.js';
import type { Admission, AdmissionGuard, GuardedAdmission, UsageHistory, UsageLimiter, UsageLimits } from '../../core/ports.js';
import { QUOTA_WINDOW_MS, quotaHistory } from '../../core/quota-use.js';
import { MINUTE_MS } from '../../core/rolling-windows.js';
import type { Clock } from '../../lib/clock.js';
import { SingleFlight } from '../../lib/single-flight.js';
import { blockKey, keyChangesKey } from './redis-keys.js';
import { defineScript, EXPIRY_SLACK_MS, type RedisClient, SLIDING_LOG_LUA } from './redis-scripts.js';

const LONGEST_QUOTA_MS = Math.max(...Object.values(QUOTA_WINDOW_MS));

/**
 * Quota counts as MinuteBuckets keeps them, in a sorted set of one-minute buckets scored by
 * minute, each member `minute:cumulative` with the all-time count at the end of that minute.
 * A window's count is the all-time total less the cumulative count of the last bucket before
 * the window (or `base`, the count before the oldest bucket kept), so checking a month costs a
 * lookup, not a sum over its 43,200 minutes.
 */
const QUOTA_BUCKETS_LUA = `
local function bucket_parts(member)
  local minute, cumulative = string.match(member, '^(-?%d+):(-?%d+)$')
  return tonumber(minute), tonumber(cumulative)
end

local function cumulative_before(buckets, state, minute)
  local last = redis.call('ZREVRANGEBYSCORE', buckets, '(' .. minute, '-inf', 'LIMIT', 0, 1)[1]
  if not last then return tonumber(redis.call('HGET', state, 'base')) end
  local _, cumulative = bucket_parts(last)
  return cumulative
end

-- Like MinuteBuckets, a window counts the bucket straddling its start: never under-counts.
local function first_minute_inside(now, window)
  return math.floor((now - window) / 60000)
end

local function bucket_add(buckets, state, now)
  local minute = math.floor(now / 60000)
  if redis.call('ZCOUNT', buckets, minute, minute) == 0 then
    redis.call('ZADD', buckets, minute, minute .. ':' .. cumulative_before(buckets, state, minute))
  end
  -- This minute's bucket, and later ones written by an instance whose clock runs ahead.
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', buckets, minute, '+inf')) do
    local bucket, cumulative = bucket_parts(member)
    redis.call('ZREM', buckets, member)
    redis.call('ZADD', buckets, bucket, bucket .. ':' .. (cumulative + 1))
  end
  redis.call('HINCRBY', state, 'total', 1)
end

-- Folds buckets older than the longest window into the base, keeping a minute more for lagging clocks.
local function buckets_prune(buckets, state, now, longest)
  local keep_from = first_minute_inside(now, longest) - 1
  local last_gone = redis.call('ZREVRANGEBYSCORE', buckets, '(' .. keep_from, '-inf', 'LIMIT', 0, 1)[1]
  if not last_gone then return end
  local _, cumulative = bucket_parts(last_gone)
  redis.call('HSET', state, 'base', cumulative)
  redis.call('ZREMRANGEBYSCORE', buckets, '-inf', '(' .. keep_from)
end
`;

/*
 * KEYS: account marker, account second log, account minute log, key state (hash: total, base),
 * key quota buckets, key minute log; guarded, also the IP's block and the key-change version.
 * ARGV: now, slack, longest quota window, the key-change version expected (guarded), account per
 * second, account per minute, key per minute, then a cap and a window for each quota in
 * QUOTA_WINDOWS order ('' = no cap; no window = all time).
 * Replies {decision, detail, key minute count, key seconds until slot}: decision 'ok', a rate limit
 * with detail its Retry-After, 'quota' with detail the quota's position, 'unseeded' with detail 1
 * for the account, 2 for the key, 3 for both; guarded, also 'ip_blocked' or 'keys_changed'.
 */
const ADMIT_LUA = `${SLIDING_LOG_LUA}${QUOTA_BUCKETS_LUA}
local account, account_second, account_minute, state, buckets, key_minute = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local now, slack, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local function limit(i)
  if ARGV[i] == '' then return nil end
  return tonumber(ARGV[i])
end

if #KEYS == 8 then
  local blocked_until = redis.call('GET', KEYS[7])
  if blocked_until and tonumber(blocked_until) > now then return {'ip_blocked', 0, 0, 0} end
  if (redis.call('GET', KEYS[8]) or '') ~= ARGV[4] then return {'keys_changed', 0, 0, 0} end
end

local unseeded = (redis.call('EXISTS', account) == 0 and 1 or 0) + (redis.call('EXISTS', state) == 0 and 2 or 0)
if unseeded > 0 then return {'unseeded', unseeded, 0, 0} end

buckets_prune(buckets, state, now, longest)
local function reply(decision, detail)
  return {decision, detail, log_count(key_minute, now, 60000), log_seconds_until_slot(key_minute, now, 60000)}
end
local function retry_after(log, window)
  return math.min(60, math.max(1, log_seconds_until_slot(log, now, window)))
end

local per_second, per_minute, per_key = limit(5), limit(6), limit(7)
if per_second and log_count(account_second, now, 1000) >= per_second then return reply('account_second', 1) end
if per_minute and log_count(account_minute, now, 60000) >= per_minute then return reply('account_minute', retry_after(account_minute, 60000)) end
if per_key and log_count(key_minute, now, 60000) >= per_key then return reply('key_minute', retry_after(key_minute, 60000)) end

local total = tonumber(redis.call('HGET', state, 'total'))
for quota = 1, (#ARGV - 7) / 2 do
  local cap, window = limit(6 + 2 * quota), limit(7 + 2 * quota)
  if cap then
    local used = total
    if window then used = total - cumulative_before(buckets, state, first_minute_inside(now, window)) end
    if used >= cap then return reply('quota', quota) end
  end
end

log_add(account_second, now, 1000, slack)
log_add(account_minute, now, 60000, slack)
log_add(key_minute, now, 60000, slack)
bucket_add(buckets, state, now)
-- Markers outlive the logs they vouch for, so a marker never vouches for logs that expired.
redis.call('PEXPIRE', account, 60000 + slack)
redis.call('PEXPIRE', state, longest + 60000 + slack)
redis.call('PEXPIRE', buckets, longest + 60000 + slack)
return reply('ok', 0)
`;

// KEYS: account marker, account second log, account minute log.
// ARGV: now, slack, the times accepted in the last minute as a JSON array, ascending.
const SEED_ACCOUNT_LUA = `${SLIDING_LOG_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now, slack = tonumber(ARGV[1]), tonumber(ARGV[2])
local recent = cjson.decode(ARGV[3])
redis.call('DEL', KEYS[2], KEYS[3])
log_load(KEYS[2], recent, now, 1000, slack)
log_load(KEYS[3], recent, now, 60000, slack)
redis.call('SET', KEYS[1], 1, 'PX', 60000 + slack)
return 1
`;

// KEYS: key state, key quota buckets, key minute log. ARGV: now, slack, longest quota window, the key's usage as JSON.
const SEED_KEY_LUA = `${SLIDING_LOG_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now, slack, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local usage = cjson.decode(ARGV[4])
redis.call('DEL', KEYS[2], KEYS[3])
local cumulative = usage.total
for _, bucket in ipairs(usage.minutes) do cumulative = cumulative - bucket[2] end
redis.call('HSET', KEYS[1], 'total', usage.total, 'base', cumulative)
for _, bucket in ipairs(usage.minutes) do
  cumulative = cumulative + bucket[2]
  redis.call('ZADD', KEYS[2], bucket[1], bucket[1] .. ':' .. cumulative)
end
log_load(KEYS[3], usage.recent, now, 60000, slack)
redis.call('PEXPIRE', KEYS[1], longest + 60000 + slack)
redis.call('PEXPIRE', KEYS[2], longest + 60000 + slack)
return 1
`;

type AdmitReply = [
  decision: 'ok' | 'account_second' | 'account_minute' | 'key_minute' | 'quota' | 'unseeded' | 'ip_blocked' | 'keys_changed',
  detail: number,
  keyCount: number,
  keyResetSeconds: number,
];

const UNSEEDED_ACCOUNT = 1;
const UNSEEDED_KEY = 2;

/**
 * Checks 7–9 shared by every instance on one Redis, with the memory limiter's exact semantics:
 * one script checks every limit and consumes only when all pass. After Redis loses its data,
 * the first request for a key or account rebuilds its state from committed usage; markers
 * tell whether that is needed, and when several instances rebuild at once, the first seed wins.
 */
export class RedisUsageLimiter implements UsageLimiter {
  private readonly admitScript;
  private readonly seedAccountScript;
  private readonly seedKeyScript;
  private readonly seeding = new SingleFlight();

  constructor(
    redis: RedisClient,
    private readonly options: { prefix: string; history: UsageHistory },
    private readonly clock: Clock,
  ) {
    this.admitScript = defineScript<AdmitReply>(redis, 'usage_admit', ADMIT_LUA);
    this.seedAccountScript = defineScript<0 | 1>(redis, 'usage_seed_account', SEED_ACCOUNT_LUA);
    this.seedKeyScript = defineScript<0 | 1>(redis, 'usage_seed_key', SEED_KEY_LUA);
  }

  admit(key: Pick<ApiKey, 'id' | 'accountId'>, limits: UsageLimits): Promise<Admission> {
    return this.run(key, limits, undefined) as Promise<Admission>;
  }

  admitGuarded(key: Pick<ApiKey, 'id' | 'accountId'>, limits: UsageLimits, guard: AdmissionGuard): Promise<GuardedAdmission> {
    return this.run(key, limits, guard);
  }

  private async run(key: Pick<ApiKey, 'id' | 'accountId'>, limits: UsageLimits, guard: AdmissionGuard | undefined): Promise<GuardedAdmission> {
    const { prefix } = this.options;
    const quotaArgs = QUOTA_WINDOWS.flatMap((quota) => [limits.quotas[quota] ?? '', quota === 'total' ? '' : QUOTA_WINDOW_MS[quota]]);
    const args = [
      EXPIRY_SLACK_MS,
      LONGEST_QUOTA_MS,
      guard?.keysVersion ?? '',
      limits.accountPerSecond ?? '',
      limits.accountPerMinute ?? '',
      limits.perKeyPerMinute ?? '',
      ...quotaArgs,
    ];
    const keys = [...this.accountKeys(key.accountId), ...this.keyKeys(key.id), ...(guard ? [blockKey(prefix, guard.ip), keyChangesKey(prefix)] : [])];
    // Loops only when state vanished again between seeding and admitting (a flush, an expiry).
    for (;;) {
      const [decision, detail, keyCount, keyResetSeconds] = await this.admitScript(keys, [this.clock.now(), ...args]);
      if (decision === 'ip_blocked') return { ok: false, code: 'IP_BLOCKED' };
      if (decision === 'keys_changed') return { ok: false, code: 'KEYS_CHANGED' };
      if (decision === 'unseeded') {
        await Promise.all([detail & UNSEEDED_ACCOUNT && this.seedAccount(key.accountId), detail & UNSEEDED_KEY && this.seedKey(key.id)]);
        continue;
      }
      const perKey =
        limits.perKeyPerMinute === null
          ? undefined
          : { limit: limits.perKeyPerMinute, remaining: Math.max(0, limits.perKeyPerMinute - keyCount), resetSeconds: keyResetSeconds };
      if (decision === 'ok') return { ok: true, perKey };
      if (decision === 'quota') return { ok: false, code: 'QUOTA_EXCEEDED', quota: QUOTA_WINDOWS[detail - 1]!, perKey };
      return { ok: false, code: 'RATE_LIMITED', limit: decision, retryAfterSeconds: detail, perKey };
    }
  }

  private accountKeys(accountId: string): string[] {
    const account = `${this.options.prefix}account:${accountId}`;
    return [account, `${account}:second`, `${account}:minute`];
  }

  private keyKeys(keyId: string): string[] {
    const key = `${this.options.prefix}key:${keyId}`;
    return [key, `${key}:quota`, `${key}:minute`];
  }

  private seedAccount(accountId: string): Promise<unknown> {
    return this.seeding.run(`account:${accountId}`, async () => {
      const now = this.clock.now();
      const recent = await this.options.history.accountRecent(accountId, now - MINUTE_MS);
      await this.seedAccountScript(this.accountKeys(accountId), [now, EXPIRY_SLACK_MS, JSON.stringify(recent)]);
    });
  }

  private seedKey(keyId: string): Promise<unknown> {
    return this.seeding.run(`key:${keyId}`, async () => {
      const now = this.clock.now();
      const usage = await quotaHistory(this.options.history, keyId, now, now - MINUTE_MS);
      await this.seedKeyScript(this.keyKeys(keyId), [now, EXPIRY_SLACK_MS, LONGEST_QUOTA_MS, JSON.stringify(usage)]);
    });
  }
}
