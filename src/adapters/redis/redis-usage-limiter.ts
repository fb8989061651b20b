import { randomBytes } from 'node:crypto';
import { type ApiKey, QUOTA_WINDOWS } from '../../core/model.js';
import type { Admission, AdmissionGuard, GuardedAdmission, UsageHistory, UsageLimiter, UsageLimits } from '../../core/ports.js';
import { QUOTA_WINDOW_MS, quotaHistory } from '../../core/quota-use.js';
import { MINUTE_MS } from '../../core/rolling-windows.js';
import type { Clock } from '../../lib/clock.js';
import { SingleFlight } from '../../lib/single-flight.js';
import { blockKey, keyChangesKey } from './redis-keys.js';
import { defineScript, EXPIRY_SLACK_MS, type RedisClient, type ScriptArg, SLIDING_LOG_LUA } from './redis-scripts.js';

const LONGEST_QUOTA_MS = Math.max(...Object.values(QUOTA_WINDOW_MS));

/** Admissions sent in one script call at most: its Lua loops over a batch's pending acceptances. */
const MAX_BATCH = 64;

/** Each quota's window in QUOTA_WINDOWS order, as a Lua table: false for all time. */
const QUOTA_WINDOWS_LUA = `{${QUOTA_WINDOWS.map((quota) => (quota === 'total' ? 'false' : QUOTA_WINDOW_MS[quota])).join(', ')}}`;

/*
 * Admits a batch of requests in order, each exactly as if alone: every limit checked, and
 * consumed only when all pass. The admissions a busy instance sends in one turn of its event loop
 * mostly share an account and a key, so each key is read once per batch and written once at its
 * end; that, not the commands themselves, is what an admission costs Redis (about a microsecond
 * per call on top of each command).
 *
 * Per key and account: the account and the key each keep an exact sliding log of the last minute,
 * one member per acceptance scored by its time (the account's serves both account limits); a
 * marker says the account's log was seeded. A key's quota counts are kept as MinuteBuckets keeps
 * them: its usage hash holds `total` (the all-time count), `latest` (the newest minute with an
 * acceptance) and `base` (the count before the oldest bucket kept); its buckets, a sorted set
 * scored by minute, hold every earlier minute with acceptances as `minute:cumulative`, the
 * all-time count at that minute's end. The latest minute's is the total, so a window's count is
 * the total less the cumulative count before the window: a lookup, not a sum over 43,200 minutes.
 *
 * KEYS: every key the batch names, once. ARGV: the instance's member tag and the number of the
 * batch's first member (admission i's log member is `tag.(first + i - 1)`, unique); the number of
 * profiles (what admissions of one key and request share), then for each: how many keys it names
 * and their positions in KEYS (account marker, account log, key usage, key buckets, key log;
 * guarded, also the IP's block and the key-change version), the key-change version expected
 * (guarded), account per second, account per minute, key per minute and each quota's cap in
 * QUOTA_WINDOWS order ('' = no limit); then each admission as its profile's number and its now.
 * A batch mostly repeats one profile, and each argument costs Redis about as much as a command.
 * Replies, per admission, {decision, detail, key minute count, key seconds until slot}: decision
 * 'ok', a rate limit with detail its Retry-After, 'quota' with detail the quota's position,
 * 'unseeded' with detail 1 for the account, 2 for the key, 3 for both; guarded, also
 * 'ip_blocked' or 'keys_changed'.
 */
const ADMIT_BATCH_LUA = `
local slack, longest, quota_windows = ${EXPIRY_SLACK_MS}, ${LONGEST_QUOTA_MS}, ${QUOTA_WINDOWS_LUA}

-- Reads no admission of the batch changes: a key's value, whether a key exists.
local values, existing = {}, {}
local function get_once(name)
  if values[name] == nil then values[name] = redis.call('GET', name) end
  return values[name]
end
local function exists_once(name)
  if existing[name] == nil then existing[name] = redis.call('EXISTS', name) == 1 end
  return existing[name]
end

-- A sliding log as the batch sees it: Redis's members after pruning, plus the batch's own
-- acceptances (adds), written at its end.
local logs = {}
local function log_of(name)
  if not logs[name] then logs[name] = {name = name, adds = {}} end
  return logs[name]
end

-- Acceptances in (now - 1 minute, now], and any later, from a clock ahead.
local function log_count(log, now)
  local edge = now - 60000
  if not log.edge then
    redis.call('ZREMRANGEBYSCORE', log.name, '-inf', edge)
    log.count, log.edge = redis.call('ZCARD', log.name), edge
  elseif edge > log.edge then
    local removed = redis.call('ZREMRANGEBYSCORE', log.name, '-inf', edge)
    log.count, log.edge = log.count - removed, edge
    if removed > 0 then log.oldest = nil end
  end
  local count = log.count
  for _, add in ipairs(log.adds) do
    if add[1] > edge then count = count + 1 end
  end
  return count
end

local function log_count_since(log, since)
  local count = redis.call('ZCOUNT', log.name, '(' .. since, '+inf')
  for _, add in ipairs(log.adds) do
    if add[1] > since then count = count + 1 end
  end
  return count
end

-- Whole seconds until the log's oldest acceptance in the minute leaves it; 0 when none. Count first.
local function seconds_until_slot(log, now)
  if log.oldest == nil then
    local first = redis.call('ZRANGE', log.name, 0, 0, 'WITHSCORES')[2]
    log.oldest = first and tonumber(first) or false
  end
  local oldest = log.oldest
  for _, add in ipairs(log.adds) do
    if add[1] > now - 60000 and (not oldest or add[1] < oldest) then oldest = add[1] end
  end
  if not oldest then return 0 end
  return math.ceil((oldest + 60000 - now) / 1000)
end

local function bucket_parts(member)
  local minute, cumulative = string.match(member, '^(-?%d+):(-?%d+)$')
  return tonumber(minute), tonumber(cumulative)
end

-- A key's usage hash as the batch sees it, written at its end; false when it is not seeded.
local usages = {}
local function usage_of(state, buckets)
  if usages[state] == nil then
    local fields = redis.call('HMGET', state, 'total', 'base', 'latest')
    usages[state] = fields[1] and {buckets = buckets, total = tonumber(fields[1]), base = tonumber(fields[2]), latest = tonumber(fields[3]), before = {}} or false
  end
  return usages[state]
end

-- The all-time count at the end of the last minute before minute (usage.before caches the
-- buckets' answers until the batch writes to them).
local function cumulative_before(usage, minute)
  if not usage.latest or minute > usage.latest then return usage.total end
  if usage.before[minute] == nil then
    usage.before[minute] = redis.call('ZREVRANGEBYSCORE', usage.buckets, '(' .. minute, '-inf', 'LIMIT', 0, 1)[1] or false
  end
  local last = usage.before[minute]
  if not last then return usage.base end
  local _, cumulative = bucket_parts(last)
  return cumulative
end

-- Like MinuteBuckets, a window counts the bucket straddling its start: never under-counts.
local function first_minute_inside(now, window)
  return math.floor((now - window) / 60000)
end

-- An acceptance in a new minute: the minute before becomes a bucket (its count at its end is the
-- total so far), and buckets older than the longest window fold into the base, keeping a minute
-- more for lagging clocks.
local function usage_roll(usage, minute, now)
  if usage.latest then redis.call('ZADD', usage.buckets, usage.latest, usage.latest .. ':' .. usage.total) end
  usage.latest, usage.rolled, usage.before = minute, true, {}
  local keep_from = first_minute_inside(now, longest) - 1
  local last_gone = redis.call('ZREVRANGEBYSCORE', usage.buckets, '(' .. keep_from, '-inf', 'LIMIT', 0, 1)[1]
  if last_gone then
    local _, cumulative = bucket_parts(last_gone)
    usage.base = cumulative
    redis.call('ZREMRANGEBYSCORE', usage.buckets, '-inf', '(' .. keep_from)
  end
end

-- An acceptance before the latest minute (an instance whose clock lags): its bucket and every later one count it.
local function usage_add_before_latest(usage, minute)
  if redis.call('ZCOUNT', usage.buckets, minute, minute) == 0 then
    redis.call('ZADD', usage.buckets, minute, minute .. ':' .. cumulative_before(usage, minute))
  end
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', usage.buckets, minute, '+inf')) do
    local bucket, cumulative = bucket_parts(member)
    redis.call('ZREM', usage.buckets, member)
    redis.call('ZADD', usage.buckets, bucket, bucket .. ':' .. (cumulative + 1))
  end
  usage.lagged, usage.before = true, {}
end

local markers = {}

-- One admission: keys as named above, args {version, per second, per minute, per key, caps...}.
local function admit(keys, args, now, member)
  local function limit(i)
    if args[i] == '' then return nil end
    return tonumber(args[i])
  end
  if #keys == 7 then
    local blocked_until = get_once(keys[6])
    if blocked_until and tonumber(blocked_until) > now then return {'ip_blocked', 0, 0, 0} end
    if (get_once(keys[7]) or '') ~= args[1] then return {'keys_changed', 0, 0, 0} end
  end
  local usage = usage_of(keys[3], keys[4])
  local unseeded = (exists_once(keys[1]) and 0 or 1) + (usage and 0 or 2)
  if unseeded > 0 then return {'unseeded', unseeded, 0, 0} end

  local account_log, key_log = log_of(keys[2]), log_of(keys[5])
  local account_count, key_count = log_count(account_log, now), log_count(key_log, now)
  local function reply(decision, detail, count)
    return {decision, detail, count, seconds_until_slot(key_log, now)}
  end
  local function retry_after(log)
    return math.min(60, math.max(1, seconds_until_slot(log, now)))
  end
  local per_second, per_minute, per_key = limit(2), limit(3), limit(4)
  -- A second holds no more than the minute it ends: counted only when the minute could refuse.
  if per_second and account_count >= per_second and log_count_since(account_log, now - 1000) >= per_second then
    return reply('account_second', 1, key_count)
  end
  if per_minute and account_count >= per_minute then return reply('account_minute', retry_after(account_log), key_count) end
  if per_key and key_count >= per_key then return reply('key_minute', retry_after(key_log), key_count) end
  for quota = 1, #quota_windows do
    local cap, window = limit(4 + quota), quota_windows[quota]
    if cap then
      local used = usage.total
      if window then used = usage.total - cumulative_before(usage, first_minute_inside(now, window)) end
      if used >= cap then return reply('quota', quota, key_count) end
    end
  end

  table.insert(account_log.adds, {now, member})
  table.insert(key_log.adds, {now, member})
  markers[keys[1]] = true
  local minute = math.floor(now / 60000)
  if not usage.latest or minute > usage.latest then
    usage_roll(usage, minute, now)
  elseif minute < usage.latest then
    usage_add_before_latest(usage, minute)
  end
  usage.total, usage.accepted = usage.total + 1, true
  return reply('ok', 0, key_count + 1)
end

local member_tag, first_member = ARGV[1], tonumber(ARGV[2])
local profiles, at = {}, 4
for p = 1, tonumber(ARGV[3]) do
  local keys, args = {}, {}
  for i = 1, tonumber(ARGV[at]) do keys[i] = KEYS[tonumber(ARGV[at + i])] end
  at = at + #keys + 1
  for i = 1, 4 + #quota_windows do args[i] = ARGV[at + i - 1] end
  at = at + #args
  profiles[p] = {keys = keys, args = args}
end
local replies = {}
for n = 1, (#ARGV - at + 1) / 2 do
  local profile = profiles[tonumber(ARGV[at])]
  local member = member_tag .. '.' .. string.format('%.0f', first_member + n - 1)
  replies[n] = admit(profile.keys, profile.args, tonumber(ARGV[at + 1]), member)
  at = at + 2
end

for name, log in pairs(logs) do
  if #log.adds > 0 then
    local members = {}
    for _, add in ipairs(log.adds) do
      members[#members + 1] = add[1]
      members[#members + 1] = add[2]
    end
    redis.call('ZADD', name, unpack(members))
    redis.call('PEXPIRE', name, 60000 + slack)
  end
end
-- Markers outlive the logs they vouch for no longer than those logs do.
for name in pairs(markers) do redis.call('PEXPIRE', name, 60000 + slack) end
for state, usage in pairs(usages) do
  if usage and usage.accepted then
    redis.call('HSET', state, 'total', usage.total, 'base', usage.base, 'latest', usage.latest)
    -- Expiries move once a minute: a key's usage outlives its longest window by a minute and the slack.
    if usage.rolled then redis.call('PEXPIRE', state, longest + 60000 + slack) end
    if usage.rolled or usage.lagged then redis.call('PEXPIRE', usage.buckets, longest + 60000 + slack) end
  end
end
return replies
`;

// KEYS: account marker, account log. ARGV: now, the times accepted in the last minute as a JSON array, ascending.
const SEED_ACCOUNT_LUA = `${SLIDING_LOG_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now, slack = tonumber(ARGV[1]), ${EXPIRY_SLACK_MS}
redis.call('DEL', KEYS[2])
log_load(KEYS[2], cjson.decode(ARGV[2]), now, 60000, slack)
redis.call('SET', KEYS[1], 1, 'PX', 60000 + slack)
return 1
`;

// KEYS: key usage, key quota buckets, key log. ARGV: now, the key's usage as JSON.
const SEED_KEY_LUA = `${SLIDING_LOG_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now, slack, longest = tonumber(ARGV[1]), ${EXPIRY_SLACK_MS}, ${LONGEST_QUOTA_MS}
local usage = cjson.decode(ARGV[2])
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

/** What admissions of one key and request share: its keys and arguments, the same on every attempt. */
interface AdmissionProfile {
  /** Tells equal profiles apart within a batch: what the keys and arguments derive from. */
  id: string;
  key: Pick<ApiKey, 'id' | 'accountId'>;
  guard: AdmissionGuard | undefined;
  args: ScriptArg[];
}

interface QueuedAdmission {
  profile: AdmissionProfile;
  now: number;
  resolve(reply: AdmitReply): void;
  reject(error: unknown): void;
}

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
  /** Admissions asked for in this turn of the event loop, sent together at its end. */
  private readonly queued: QueuedAdmission[] = [];
  private readonly seedAccountScript;
  private readonly seedKeyScript;
  private readonly seeding = new SingleFlight();
  /** With a count, makes log members no other admission uses (seeded members are `time:rank`). */
  private readonly memberTag = randomBytes(6).toString('base64url');
  private admissions = 0;

  constructor(
    redis: RedisClient,
    private readonly options: { prefix: string; history: UsageHistory },
    private readonly clock: Clock,
  ) {
    this.admitScript = defineScript<AdmitReply[]>(redis, 'usage_admit', ADMIT_BATCH_LUA);
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
    const args: ScriptArg[] = [guard?.keysVersion ?? '', limits.accountPerSecond ?? '', limits.accountPerMinute ?? '', limits.perKeyPerMinute ?? ''];
    for (const quota of QUOTA_WINDOWS) args.push(limits.quotas[quota] ?? '');
    // A key id names its account; an IP is never empty. NUL appears in none of these.
    const profile = { id: `${key.id}\0${guard?.ip ?? ''}\0${args.join('\0')}`, key, guard, args };
    // Loops only when state vanished again between seeding and admitting (a flush, an expiry).
    for (;;) {
      const [decision, detail, keyCount, keyResetSeconds] = await this.queue(profile, this.clock.now());
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

  private queue(profile: AdmissionProfile, now: number): Promise<AdmitReply> {
    return new Promise((resolve, reject) => {
      // setImmediate runs once this turn's I/O is handled: the requests that arrived together go together.
      if (this.queued.push({ profile, now, resolve, reject }) === 1) setImmediate(() => this.sendQueued());
    });
  }

  /** One script call for up to MAX_BATCH queued admissions, naming each key and each profile once. */
  private sendQueued(): void {
    const batch = this.queued.splice(0, MAX_BATCH);
    if (this.queued.length > 0) setImmediate(() => this.sendQueued());
    const keys: string[] = [];
    const keyPositions = new Map<string, number>();
    const profileNumbers = new Map<string, number>();
    const profileArgs: ScriptArg[] = [];
    const admissionArgs: ScriptArg[] = [];
    for (const { profile, now } of batch) {
      let number = profileNumbers.get(profile.id);
      if (number === undefined) {
        number = profileNumbers.size + 1;
        profileNumbers.set(profile.id, number);
        const profileKeys = this.profileKeys(profile);
        profileArgs.push(profileKeys.length);
        for (const key of profileKeys) {
          let position = keyPositions.get(key);
          if (position === undefined) {
            position = keys.push(key);
            keyPositions.set(key, position);
          }
          profileArgs.push(position);
        }
        profileArgs.push(...profile.args);
      }
      admissionArgs.push(number, now);
    }
    const firstMember = this.admissions + 1;
    this.admissions += batch.length;
    this.admitScript(keys, [this.memberTag, firstMember, profileNumbers.size, ...profileArgs, ...admissionArgs]).then(
      (replies) => {
        for (const [i, admission] of batch.entries()) admission.resolve(replies[i]!);
      },
      (error: unknown) => {
        for (const admission of batch) admission.reject(error);
      },
    );
  }

  /** A profile's keys in the order the script names them; guarded, also the IP's block and the key-change version. */
  private profileKeys({ key, guard }: AdmissionProfile): string[] {
    const keys = [...this.accountKeys(key.accountId), ...this.keyKeys(key.id)];
    if (guard) keys.push(blockKey(this.options.prefix, guard.ip), keyChangesKey(this.options.prefix));
    return keys;
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
      await this.seedAccountScript(this.accountKeys(accountId), [now, JSON.stringify(recent)]);
    });
  }

  private seedKey(keyId: string): Promise<unknown> {
    return this.seeding.run(`key:${keyId}`, async () => {
      const now = this.clock.now();
      const usage = await quotaHistory(this.options.history, keyId, now, now - MINUTE_MS);
      await this.seedKeyScript(this.keyKeys(keyId), [now, JSON.stringify(usage)]);
    });
  }
}
