import { randomBytes } from 'node:crypto';
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
 * Quota counts as MinuteBuckets keeps them. A key's usage hash holds `total` (its all-time count),
 * `latest` (the newest minute with an acceptance) and `base` (the count before the oldest bucket
 * kept); its buckets, a sorted set scored by minute, hold every earlier minute with acceptances as
 * `minute:cumulative`, the all-time count at that minute's end. The latest minute's is `total`, so
 * an acceptance in it (nearly all of them) is one HINCRBY, and a window's count is the total less
 * the cumulative count before the window: a lookup, not a sum over a month's 43,200 minutes.
 */
const QUOTA_BUCKETS_LUA = `
local function bucket_parts(member)
  local minute, cumulative = string.match(member, '^(-?%d+):(-?%d+)$')
  return tonumber(minute), tonumber(cumulative)
end

-- usage: {total, base, latest} as read from the usage hash.
local function cumulative_before(buckets, usage, minute)
  if not usage.latest or minute > usage.latest then return usage.total end
  local last = redis.call('ZREVRANGEBYSCORE', buckets, '(' .. minute, '-inf', 'LIMIT', 0, 1)[1]
  if not last then return usage.base end
  local _, cumulative = bucket_parts(last)
  return cumulative
end

-- Like MinuteBuckets, a window counts the bucket straddling its start: never under-counts.
local function first_minute_inside(now, window)
  return math.floor((now - window) / 60000)
end

-- An acceptance before the latest minute (an instance whose clock lags): its bucket and every later one count it.
local function bucket_add_before_latest(buckets, usage, minute)
  if redis.call('ZCOUNT', buckets, minute, minute) == 0 then
    redis.call('ZADD', buckets, minute, minute .. ':' .. cumulative_before(buckets, usage, minute))
  end
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', buckets, minute, '+inf')) do
    local bucket, cumulative = bucket_parts(member)
    redis.call('ZREM', buckets, member)
    redis.call('ZADD', buckets, bucket, bucket .. ':' .. (cumulative + 1))
  end
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

/** Each quota's window in QUOTA_WINDOWS order, as a Lua table: false for all time. */
const QUOTA_WINDOWS_LUA = `{${QUOTA_WINDOWS.map((quota) => (quota === 'total' ? 'false' : QUOTA_WINDOW_MS[quota])).join(', ')}}`;

/*
 * KEYS: account marker, account log, key usage (hash: total, base, latest), key quota buckets,
 * key log; guarded, also the IP's block and the key-change version.
 * ARGV: now, the key-change version expected (guarded), this acceptance's log member (unique),
 * account per second, account per minute, key per minute, then each quota's cap in QUOTA_WINDOWS
 * order ('' = no limit). What never changes is in the script, not sent with every call.
 * The logs are exact sliding logs, one member per acceptance scored by its time; the account's
 * holds a minute and serves both account limits. Each Redis call here costs Redis about a
 * microsecond per request on top of the command itself, so the common path makes about fifteen.
 * Replies {decision, detail, key minute count, key seconds until slot}: decision 'ok', a rate limit
 * with detail its Retry-After, 'quota' with detail the quota's position, 'unseeded' with detail 1
 * for the account, 2 for the key, 3 for both; guarded, also 'ip_blocked' or 'keys_changed'.
 */
const ADMIT_LUA = `${QUOTA_BUCKETS_LUA}
local account, account_log, state, buckets, key_log = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, member = tonumber(ARGV[1]), ARGV[3]
local slack, longest, quota_windows = ${EXPIRY_SLACK_MS}, ${LONGEST_QUOTA_MS}, ${QUOTA_WINDOWS_LUA}
local function limit(i)
  if ARGV[i] == '' then return nil end
  return tonumber(ARGV[i])
end

if #KEYS == 7 then
  local guard = redis.call('MGET', KEYS[6], KEYS[7])
  if guard[1] and tonumber(guard[1]) > now then return {'ip_blocked', 0, 0, 0} end
  if (guard[2] or '') ~= ARGV[2] then return {'keys_changed', 0, 0, 0} end
end

local fields = redis.call('HMGET', state, 'total', 'base', 'latest')
local unseeded = (redis.call('EXISTS', account) == 0 and 1 or 0) + (fields[1] and 0 or 2)
if unseeded > 0 then return {'unseeded', unseeded, 0, 0} end
local usage = {total = tonumber(fields[1]), base = tonumber(fields[2]), latest = tonumber(fields[3])}

-- Both logs count acceptances in (now - 1 minute, now], and any later, from a clock ahead.
redis.call('ZREMRANGEBYSCORE', account_log, '-inf', now - 60000)
redis.call('ZREMRANGEBYSCORE', key_log, '-inf', now - 60000)
local key_count = redis.call('ZCARD', key_log)

-- Whole seconds until a log's oldest acceptance leaves the minute; 0 when none.
local function seconds_until_slot(log)
  local oldest = redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')[2]
  if not oldest then return 0 end
  return math.ceil((tonumber(oldest) + 60000 - now) / 1000)
end
local function reply(decision, detail, count)
  return {decision, detail, count, seconds_until_slot(key_log)}
end
local function retry_after(log)
  return math.min(60, math.max(1, seconds_until_slot(log)))
end

local per_second, per_minute, per_key = limit(4), limit(5), limit(6)
if per_second and redis.call('ZCOUNT', account_log, '(' .. (now - 1000), '+inf') >= per_second then return reply('account_second', 1, key_count) end
if per_minute and redis.call('ZCARD', account_log) >= per_minute then return reply('account_minute', retry_after(account_log), key_count) end
if per_key and key_count >= per_key then return reply('key_minute', retry_after(key_log), key_count) end

for quota = 1, #ARGV - 6 do
  local cap, window = limit(6 + quota), quota_windows[quota]
  if cap then
    local used = usage.total
    if window then used = usage.total - cumulative_before(buckets, usage, first_minute_inside(now, window)) end
    if used >= cap then return reply('quota', quota, key_count) end
  end
end

redis.call('ZADD', account_log, now, member)
redis.call('ZADD', key_log, now, member)
redis.call('PEXPIRE', account_log, 60000 + slack)
redis.call('PEXPIRE', key_log, 60000 + slack)
redis.call('PEXPIRE', account, 60000 + slack)
local minute, usage_ttl = math.floor(now / 60000), longest + 60000 + slack
if not usage.latest or minute > usage.latest then
  -- A new minute: the one before becomes a bucket (its count at its end is the total so far),
  -- and once a minute the old buckets fold into the base and the expiries move on.
  if usage.latest then redis.call('ZADD', buckets, usage.latest, usage.latest .. ':' .. usage.total) end
  redis.call('HSET', state, 'latest', minute)
  buckets_prune(buckets, state, now, longest)
  redis.call('PEXPIRE', state, usage_ttl)
  redis.call('PEXPIRE', buckets, usage_ttl)
elseif minute < usage.latest then
  bucket_add_before_latest(buckets, usage, minute)
  redis.call('PEXPIRE', buckets, usage_ttl)
end
redis.call('HINCRBY', state, 'total', 1)
return reply('ok', 0, key_count + 1)
`;

// KEYS: account marker, account log. ARGV: now, slack, the times accepted in the last minute as a JSON array, ascending.
const SEED_ACCOUNT_LUA = `${SLIDING_LOG_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now, slack = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('DEL', KEYS[2])
log_load(KEYS[2], cjson.decode(ARGV[3]), now, 60000, slack)
redis.call('SET', KEYS[1], 1, 'PX', 60000 + slack)
return 1
`;

// KEYS: key usage, key quota buckets, key log. ARGV: now, slack, longest quota window, the key's usage as JSON.
const SEED_KEY_LUA = `${SLIDING_LOG_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now, slack, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local usage = cjson.decode(ARGV[4])
redis.call('DEL', KEYS[2], KEYS[3])
local cumulative = usage.total
for _, bucket in ipairs(usage.minutes) do cumulative = cumulative - bucket[2] end
redis.call('HSET', KEYS[1], 'total', usage.total, 'base', cumulative)
for i, bucket in ipairs(usage.minutes) do
  cumulative = cumulative + bucket[2]
  -- The newest minute's cumulative count is the total: it is the usage hash's latest, not a bucket.
  if i < #usage.minutes then
    redis.call('ZADD', KEYS[2], bucket[1], bucket[1] .. ':' .. cumulative)
  else
    redis.call('HSET', KEYS[1], 'latest', bucket[1])
  end
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
  private readonly memberTag = randomBytes(6).toString('base64url');
  private admissions = 0;

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
    const args: Array<string | number> = [
      guard?.keysVersion ?? '',
      this.nextMember(),
      limits.accountPerSecond ?? '',
      limits.accountPerMinute ?? '',
      limits.perKeyPerMinute ?? '',
    ];
    for (const quota of QUOTA_WINDOWS) args.push(limits.quotas[quota] ?? '');
    const keys = [...this.accountKeys(key.accountId), ...this.keyKeys(key.id)];
    if (guard) keys.push(blockKey(prefix, guard.ip), keyChangesKey(prefix));
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

  /** A log member no other admission uses: this instance's tag and a count (seeded members are `time:rank`). */
  private nextMember(): string {
    return `${this.memberTag}.${(++this.admissions).toString(36)}`;
  }

  private accountKeys(accountId: string): string[] {
    const account = `${this.options.prefix}account:${accountId}`;
    return [`${account}:seeded`, `${account}:log`];
  }

  private keyKeys(keyId: string): string[] {
    const key = `${this.options.prefix}key:${keyId}`;
    return [`${key}:usage`, `${key}:buckets`, `${key}:log`];
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
