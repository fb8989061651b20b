import type { KeyMode } from '../lib/key-format.js';
import type { Account, ApiKey, AuditEntry, Millis, QuotaWindow, Quotas, Session, Site, User } from './model.js';
import type { WindowState } from './rolling-windows.js';

/** The outcome of a write that the store checks atomically against a limit or a uniqueness rule. */
export type GuardedWrite = 'ok' | 'PLAN_LIMIT' | 'NAME_TAKEN';

export interface AccountStore {
  /** Creates the account and its first user together; refuses a taken email. */
  create(account: Account, user: User): Promise<'ok' | 'EMAIL_TAKEN'>;
  find(id: string): Promise<Account | undefined>;
  setPlan(id: string, plan: string): Promise<void>;
  findUserByEmail(email: string): Promise<User | undefined>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
}

export interface SiteStore {
  /** Inserts unless the account already has a site of this domain, or `maxSites` sites (null = no limit). */
  insertWithinLimit(site: Site, maxSites: number | null): Promise<'ok' | 'PLAN_LIMIT' | 'DOMAIN_TAKEN'>;
  listByAccount(accountId: string): Promise<Site[]>;
  find(id: string): Promise<Site | undefined>;
  /** The site a tracking hit names by its public site key. */
  findByKey(siteKey: string): Promise<Site | undefined>;
  /** Deletes the site with its events and their rollups. */
  delete(id: string): Promise<void>;
}

export interface KeyStore {
  /**
   * Inserts unless the account holds `maxKeys` live (not revoked at `now`) keys, or one
   * of them has the same name. `maxKeys` null skips the count (rotation, unlimited plans).
   */
  insertGuarded(key: ApiKey, maxKeys: number | null, now: Millis): Promise<GuardedWrite>;
  /** Inserts `replacement` and sets `revokedAt` of `oldId` in one transaction. */
  rotate(oldId: string, replacement: ApiKey, revokeOldAt: Millis, now: Millis): Promise<GuardedWrite>;
  findByHash(hash: string): Promise<ApiKey | undefined>;
  find(id: string): Promise<ApiKey | undefined>;
  /** The account's keys, oldest first: only those not revoked at `liveAt`, or all when it is null. */
  list(accountId: string, liveAt: Millis | null): Promise<ApiKey[]>;
  update(id: string, changes: Partial<Pick<ApiKey, 'active' | 'revokedAt' | 'lastUsedAt'>>): Promise<void>;
  /** Writes the key's editable settings unless another live key of the account has its name. */
  edit(key: ApiKey, now: Millis): Promise<'ok' | 'NAME_TAKEN'>;
  /** Deletes the key unless it has been used (as the row says now, not as the caller last read it); true if deleted. */
  deleteUnused(id: string): Promise<boolean>;
}

/**
 * Tells the caches of keys (authentication) and sites (tracking) when stored ones may have
 * changed elsewhere: another process on the same SQLite file, or another instance.
 * `version()` changes after any such change; `announce()` is called after every local write
 * of a key, a plan or a deleted site.
 */
export interface KeyChangeSignal {
  version(): string | Promise<string>;
  announce(): void | Promise<void>;
}

export interface SessionStore {
  create(session: Session): Promise<void>;
  /** The session with this id hash and its user's email. */
  find(idHash: string): Promise<{ session: Session; email: string } | undefined>;
  touch(idHash: string, lastSeenAt: Millis): Promise<void>;
  delete(idHash: string): Promise<void>;
  deleteExpired(now: Millis): Promise<void>;
  /** The user's sessions that have not expired at `now`, newest first. */
  listByUser(userId: string, now: Millis): Promise<Session[]>;
  /** Ends every session of the user but the one with `keepIdHash`; returns how many ended. */
  deleteByUser(userId: string, keepIdHash: string): Promise<number>;
}

/** A position in a newest-first listing: the last row seen. */
export interface Position {
  time: Millis;
  seq: number;
}

/** A stored audit entry: its append sequence (the keyset tiebreak) and the acting user's email. */
export interface LoggedAuditEntry extends AuditEntry {
  seq: number;
  userEmail: string | null;
}

export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  /** The account's entries newest first (time, then sequence), strictly after `after`. */
  list(accountId: string, after: Position | undefined, limit: number): Promise<LoggedAuditEntry[]>;
}

export interface Store {
  accounts: AccountStore;
  sites: SiteStore;
  keys: KeyStore;
  sessions: SessionStore;
  audit: AuditStore;
  keyChanges: KeyChangeSignal;
  requestLogs: RequestLogStore;
  events: EventStore;
  /** Resolves when storage answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** When failed authentications block a client IP (SPEC §3). */
export interface FailedAuthPolicy {
  /** Failures within the window that start a block. */
  limit: number;
  windowMs: number;
  blockMs: number;
}

/** Failed-authentication counting per client IP (SPEC §3). */
export interface FailedAuthLimiter {
  isBlocked(ip: string): Promise<boolean>;
  /** Counts one failure; returns true when this failure started a block. */
  recordFailure(ip: string): Promise<boolean>;
}

/** The limits checks 7–9 apply to one request; null means unlimited. */
export interface UsageLimits {
  accountPerSecond: number | null;
  accountPerMinute: number | null;
  perKeyPerMinute: number | null;
  quotas: Quotas;
}

/** The outcome of checks 7–9. `perKey` feeds the RateLimit headers whenever the key has a per-minute limit. */
export type Admission =
  | { ok: true; perKey?: WindowState }
  | { ok: false; code: 'RATE_LIMITED'; limit: 'account_second' | 'account_minute' | 'key_minute'; retryAfterSeconds: number; perKey?: WindowState }
  | { ok: false; code: 'QUOTA_EXCEEDED'; quota: QuotaWindow; perKey?: WindowState };

/**
 * Account-wide and per-key rate limits and per-key quotas (SPEC §3 checks 7–9), checked and
 * consumed as one atomic step: a request refused by any of them consumes nothing.
 */
export interface UsageLimiter {
  admit(key: Pick<ApiKey, 'id' | 'accountId'>, limits: UsageLimits): Promise<Admission>;
}

/** What a limiter needs to resume after a restart: usage already committed with the request logs. */
export interface UsageHistory {
  /** Accepted requests of the key: all-time count, per-minute counts since `since` (ascending), and times since `recentSince`. */
  keyUsage(keyId: string, since: Millis, recentSince: Millis): Promise<{ total: number; minutes: Array<[number, number]>; recent: Millis[] }>;
  /** Times of the account's accepted requests since `since`, ascending. */
  accountRecent(accountId: string, since: Millis): Promise<Millis[]>;
}

/** One row of SPEC §4's request log. */
export interface RequestLogEntry {
  id: string;
  accountId: string;
  keyId: string;
  mode: KeyMode;
  time: Millis;
  method: string;
  route: string;
  path: string;
  status: number;
  errorCode: string | null;
  durationMs: number;
  ip: string;
  referrer: string | null;
  userAgent: string | null;
  credits: number;
  /** Passed checks 1–9: consumed rate limit and quota. */
  accepted: boolean;
}

/** Which log rows to read; every field given narrows the match. */
export interface RequestLogFilter {
  accountId?: string;
  keyId?: string;
  /** The request id (`req_…`) every answer carries, to find the one row of a request. */
  id?: string;
  /** Inclusive status range, e.g. 400–499. */
  status?: { min: number; max: number };
  /** Inclusive time range. */
  from?: Millis;
  to?: Millis;
}

export interface RequestLogQuery extends RequestLogFilter {
  limit: number;
}

/** A stored log row: the entry, its append sequence (the keyset tiebreak) and its key's name. */
export interface LoggedRequest extends RequestLogEntry {
  seq: number;
  keyName: string | null;
}

/** Requests and error answers (status 400 and up) of one UTC day, the day as days since the epoch. */
export interface DailyRequests {
  day: number;
  requests: number;
  errors: number;
}

export interface RequestLogStore extends UsageHistory {
  /** Commits the entries, and the usage and last_used_at they imply, in one transaction. */
  append(entries: readonly RequestLogEntry[]): Promise<void>;
  count(filter: RequestLogFilter): Promise<number>;
  /** Matching rows newest first (time, then sequence), strictly after `after`. */
  list(filter: RequestLogFilter, after: Position | undefined, limit: number): Promise<LoggedRequest[]>;
  /** The account's requests per UTC day from `fromDay` to `toDay` (days since the epoch); days without any are left out. */
  daily(accountId: string, fromDay: number, toDay: number): Promise<DailyRequests[]>;
  /** Deletes entries of accounts on each plan older than that plan's retention; returns how many. */
  prune(retentionDaysByPlan: ReadonlyMap<string, number>, now: Millis): Promise<number>;
}

/** One tracked hit (SPEC §6) as the server stamped and classified it. */
export interface TrackedEvent {
  siteId: string;
  time: Millis;
  url: string;
  /** The URL's path, without query or fragment. */
  path: string;
  referrer: string | null;
  /** The referrer's host name; null when there was no referrer. */
  referrerHost: string | null;
  userAgent: string | null;
  /** The bot's name; null for a human. */
  bot: string | null;
}

/** UTC days, as whole days since the epoch, both ends included. */
export interface DayRange {
  from: number;
  to: number;
}

/** What the stats break events down by, besides human and bot. */
export type EventDimension = 'bot' | 'path' | 'referrer';

export interface DayCount {
  day: number;
  humans: number;
  bots: number;
}

/**
 * Tracked events, with per-site daily rollups maintained on write, so that counts and stats
 * read a row per day (and per value) however many events there were.
 */
export interface EventStore {
  /** Commits the events and the rollups they add to in one transaction. */
  append(events: readonly TrackedEvent[]): Promise<void>;
  /** Events per site of the account within `days`; sites without any are left out. */
  countsByAccount(accountId: string, days: DayRange): Promise<Map<string, number>>;
  /** Humans and bots per day of the site within `days`, ascending; days without events are left out. */
  dailyCounts(siteId: string, days: DayRange): Promise<DayCount[]>;
  /** The `limit` values of `dimension` with the most events within `days`, most first (ties by value). */
  top(siteId: string, dimension: EventDimension, days: DayRange, limit: number): Promise<Array<{ value: string; events: number }>>;
  /** Deletes raw events older than `before` (the rollups stay); returns how many. */
  prune(before: Millis): Promise<number>;
}

/** Tracking hits admitted per rolling second (SPEC §6: 100 per site key, 20 per client IP). */
export interface CollectLimits {
  sitePerSecond: number;
  ipPerSecond: number;
}

/** Which per-second limit refused a tracking hit. */
export type CollectRefusal = 'site' | 'ip';

/**
 * SPEC §6's exact rolling one-second limits on tracking hits, per site key and per client
 * IP, checked and consumed as one step: a hit refused by either consumes neither.
 */
export interface CollectLimiter {
  admit(siteKey: string, ip: string, limits: CollectLimits): Promise<'ok' | CollectRefusal>;
}
