import type { KeyMode } from '../lib/key-format.js';
import type {
  AccessToken,
  Account,
  ApiKey,
  AuditEntry,
  DayCount,
  DayRange,
  KeyLeak,
  Millis,
  Quotas,
  QuotaWindow,
  Session,
  Site,
  User,
  WebhookEndpoint,
  WebhookEvent,
} from './model.js';
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
  /** Inserts unless the account already has a site of this domain, or `maxSites` sites (null = no limit); `events` commit with it. */
  insertWithinLimit(site: Site, maxSites: number | null, events?: readonly WebhookEvent[]): Promise<'ok' | 'PLAN_LIMIT' | 'DOMAIN_TAKEN'>;
  listByAccount(accountId: string): Promise<Site[]>;
  find(id: string): Promise<Site | undefined>;
  /** The site a tracking hit names by its public site key. */
  findByKey(siteKey: string): Promise<Site | undefined>;
  /** Deletes the site with its events and their rollups. */
  delete(id: string, events?: readonly WebhookEvent[]): Promise<void>;
}

/**
 * Writes that change keys and sites take the webhook events the change causes (SPEC §10) and
 * commit them to the outbox in the same transaction: a change that rolls back emits nothing,
 * and a crash after the commit loses no event. Events are only committed with a change that happens.
 */
export interface KeyStore {
  /**
   * Inserts unless the account holds `maxKeys` live (not revoked at `now`) keys, or one
   * of them has the same name. `maxKeys` null skips the count (rotation, unlimited plans).
   */
  insertGuarded(key: ApiKey, maxKeys: number | null, now: Millis, events?: readonly WebhookEvent[]): Promise<GuardedWrite>;
  /**
   * In one transaction: sets `revokedAt` of `oldId` and inserts `replacement`. Refused with
   * NOT_ROTATABLE when the old key is revoked or already in a rotation's grace period (its end
   * only ever moves earlier), and with PLAN_LIMIT when the old key stays live (`revokeOldAt` >
   * `now`) while the account's other live keys, those in grace included, already number `maxKeys`.
   */
  rotate(
    oldId: string,
    replacement: ApiKey,
    revokeOldAt: Millis,
    now: Millis,
    maxKeys: number | null,
    events?: readonly WebhookEvent[],
  ): Promise<GuardedWrite | 'NOT_ROTATABLE'>;
  findByHash(hash: string): Promise<ApiKey | undefined>;
  find(id: string): Promise<ApiKey | undefined>;
  /** The account's keys, oldest first: only those not revoked at `liveAt`, or all when it is null. */
  list(accountId: string, liveAt: Millis | null): Promise<ApiKey[]>;
  /** Writes the changes given (and `events` with them); a `revokedAt` only ever moves a key's revocation earlier. */
  update(id: string, changes: Partial<Pick<ApiKey, 'active' | 'revokedAt' | 'lastUsedAt'>>, events?: readonly WebhookEvent[]): Promise<void>;
  /**
   * Revokes the key at `leak.at` and records the leak, unless it is already revoked by then
   * (a rotation's grace still running is cut short); true if this call revoked it, and only
   * then are `events` written, in the same transaction.
   */
  revokeLeaked(id: string, leak: Omit<KeyLeak, 'dismissedAt'>, events?: readonly WebhookEvent[]): Promise<boolean>;
  /** Clears the dashboard's leak flag of the key; true if it was flagged. */
  dismissLeak(id: string, now: Millis): Promise<boolean>;
  /** Writes the key's editable settings unless another live key of the account has its name. */
  edit(key: ApiKey, now: Millis, events?: readonly WebhookEvent[]): Promise<'ok' | 'NAME_TAKEN'>;
  /** Deletes the key unless it has been used (as the row says now, not as the caller last read it); true if deleted. */
  deleteUnused(id: string, events?: readonly WebhookEvent[]): Promise<boolean>;
}

/**
 * Tells the caches of keys (authentication) and sites (tracking and listing) when stored ones
 * may have changed elsewhere: another process on the same SQLite file, or another instance.
 * `version()` changes after any such change.
 */
export interface KeyChangeSignal {
  version(): string | Promise<string>;
  /** Called after every local write of a key, a plan, or a created or deleted site. */
  announce(): void | Promise<void>;
  /** Stops listening for other processes' changes, where the signal does. */
  close?(): Promise<void>;
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

/** OAuth access tokens (SPEC §11), found by the SHA-256 of the token. */
export interface AccessTokenStore {
  insert(token: AccessToken): Promise<void>;
  /** The token with this hash unless it is revoked (an expired one is returned: its expiry is checked per request), with its key's hash. */
  findLive(hash: string): Promise<{ token: AccessToken; keyHash: string } | undefined>;
  /** Revokes the token with this hash if it is the key's and still unrevoked; true when it was. */
  revoke(hash: string, keyId: string, now: Millis): Promise<boolean>;
  /** Revokes every unrevoked, unexpired token of the key; returns how many. */
  revokeAllOfKey(keyId: string, now: Millis): Promise<number>;
  /** Tokens of the key neither revoked nor expired at `now`. */
  countLive(keyId: string, now: Millis): Promise<number>;
  /** Deletes tokens that expired before `before`; returns how many. */
  prune(before: Millis): Promise<number>;
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
  webhooks: WebhookStore;
  accessTokens: AccessTokenStore;
  /**
   * Resolves when storage takes a write: it fails while the disk is full, the database
   * read-only or unreachable, and succeeds again once it recovers, without a restart.
   */
  ping(): Promise<void>;
  /** True if `error` is storage unable to work now (disk full, read-only, unreachable), not a fault of the request or the code. */
  isFault(error: unknown): boolean;
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

/** How many sign-ups a client IP may make in a rolling window (SPEC §7's throttled sign-up). */
export interface SignupPolicy {
  limit: number;
  windowMs: number;
}

/** Sign-ups per client IP over a rolling window, counted on every instance alike. */
export interface SignupLimiter {
  /** Counts one sign-up of `ip` unless the policy's limit already fell within the window; false when refused (and not counted). */
  admit(ip: string): Promise<boolean>;
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
  /**
   * A capability of limiters whose every call is a round trip (Redis): `admit`, refused in the
   * same atomic step, consuming nothing, when the client IP is blocked (SPEC §3 check 1) or
   * stored keys changed since `guard.keysVersion` (KeyChangeSignal), so that a cached key costs
   * one round trip in all.
   */
  admitGuarded?(key: Pick<ApiKey, 'id' | 'accountId'>, limits: UsageLimits, guard: AdmissionGuard): Promise<GuardedAdmission>;
}

/** What `admitGuarded` confirms along with admitting. */
export interface AdmissionGuard {
  ip: string;
  keysVersion: string;
}

export type GuardedAdmission = Admission | { ok: false; code: 'IP_BLOCKED' } | { ok: false; code: 'KEYS_CHANGED' };

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
  /** How the request authenticated: with the key itself, or with an OAuth access token of it. */
  auth: RequestAuth;
  /** Requests the row stands for: 1, or more for a summary of sampled refusals (SampledRequestLog). */
  requests: number;
}

export type RequestAuth = 'key' | 'oauth';

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
  /** Deletes entries older than their account's retention; returns how many. */
  prune(retention: LogRetention, now: Millis): Promise<number>;
}

/** How many days each account's request logs are kept, by the plan it names; null keeps them for good. */
export interface LogRetention {
  byPlan: ReadonlyMap<string, number | null>;
  /** For accounts naming a plan `byPlan` does not list: one dropped from PLANS_FILE. */
  otherwise: number | null;
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

/** What the stats break events down by, besides human and bot. */
export type EventDimension = 'bot' | 'path' | 'referrer';

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

/** A delivery taken by one instance for one attempt: what it sends, and where. */
export interface ClaimedDelivery {
  id: number;
  /** This attempt's number, from 1. */
  attempt: number;
  event: Pick<WebhookEvent, 'id' | 'type' | 'body'>;
  endpoint: Pick<WebhookEndpoint, 'id' | 'url' | 'secret'>;
}

/** The outcome of one attempt, as the dispatcher decided it. */
export interface AttemptRecord {
  delivery: ClaimedDelivery;
  time: Millis;
  /** The receiver's HTTP status; null when none came (timeout, refused address, connection error). */
  status: number | null;
  durationMs: number;
  error: string | null;
  delivered: boolean;
  /** When to try again; null when delivered or given up. */
  retryAt: Millis | null;
  /** An endpoint whose failures began at or before this time is disabled by a failure now (SPEC §10: 3 days). */
  disableIfFailingSince: Millis;
}

/** One attempt of the delivery log, newest first, with the delivery's state now. */
export interface LoggedAttempt {
  seq: number;
  time: Millis;
  deliveryId: number;
  eventId: string;
  type: string;
  attempt: number;
  status: number | null;
  durationMs: number;
  error: string | null;
  state: 'pending' | 'delivered' | 'failed';
}

/**
 * Webhook endpoints, the outbox of events and their deliveries (SPEC §10). Deliveries are
 * claimed with a lease, so that scaled out each attempt is made by one instance, and an
 * instance that dies leaves its claims to expire and be taken again.
 */
export interface WebhookStore {
  /** Inserts unless the account already has `maxEndpoints`. */
  insertEndpointWithinLimit(endpoint: WebhookEndpoint, maxEndpoints: number): Promise<'ok' | 'PLAN_LIMIT'>;
  listEndpoints(accountId: string): Promise<WebhookEndpoint[]>;
  findEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  /** Writes url, events, description, secret, enabled and disabled reason (enabling clears the failure streak). */
  updateEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  /** Deletes the endpoint with its deliveries and their attempts. */
  deleteEndpoint(id: string): Promise<void>;
  /**
   * Commits events on their own (no change to go with: a block, a test); each goes to the
   * account's enabled endpoints that want its type, or to `endpointId` alone whatever it wants.
   */
  emit(events: readonly WebhookEvent[], endpointId?: string): Promise<void>;
  /** Commits the event unless a notice of `noticeKey` was committed before (watchers: once per key, window and level); true if committed. */
  emitOnce(noticeKey: string, event: WebhookEvent): Promise<boolean>;
  /**
   * Takes up to `limit` deliveries due at `now` for `owner` until `leaseUntil`: at most
   * `perEndpoint` per endpoint, none of `skipEndpoints`, only to enabled endpoints.
   */
  claim(options: {
    now: Millis;
    leaseUntil: Millis;
    owner: string;
    limit: number;
    perEndpoint: number;
    skipEndpoints: readonly string[];
  }): Promise<ClaimedDelivery[]>;
  /** Gives a claimed delivery back untried (shutdown). */
  release(deliveryId: number, owner: string): Promise<void>;
  /** Records an attempt and its consequences: the delivery's state, the endpoint's failure streak. */
  recordAttempt(record: AttemptRecord, owner: string): Promise<void>;
  /** The endpoint's attempts newest first (time, then sequence), strictly after `after`. */
  attempts(endpointId: string, after: Position | undefined, limit: number): Promise<LoggedAttempt[]>;
  /** Queues the event of one of the endpoint's deliveries again as a new delivery due at `now`; false if there is no such delivery. */
  redeliver(endpointId: string, deliveryId: number, now: Millis): Promise<number | undefined>;
  /**
   * Keys the watchers look at: not revoked at `now`, of accounts with an enabled endpoint,
   * that expire within [`expiringFrom`, `expiringTo`] or have a quota.
   */
  watchedKeys(now: Millis, expiringFrom: Millis, expiringTo: Millis): Promise<ApiKey[]>;
  /**
   * Deletes attempts, finished deliveries, events with no delivery left and watcher notices
   * from before `before` (the once-ever notices of `total` quotas stay); returns how many attempts.
   */
  prune(before: Millis): Promise<number>;
}

/** How Keygate reaches receivers: with the SSRF defence of SPEC §10 at every connection. */
export interface WebhookTransport {
  /** VALIDATION_ERROR `url: ...` unless the URL is http(s) and its host resolves only to addresses a webhook may reach. */
  checkDestination(url: string): Promise<void>;
  /** POSTs `body` with `headers`; a redirect is an answer like any other (never followed). */
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<{ status: number | null; durationMs: number; error: string | null }>;
}

/** SPEC §9: leak reports admitted per client IP in a rolling window (10 a minute). */
export interface ReportLimits {
  perIp: number;
  windowMs: number;
}

/** Counts public leak reports per client IP, checking and consuming in one step. */
export interface ReportLimiter {
  /** True if the report is within the limit (and now counts against it). */
  admit(ip: string): Promise<boolean>;
}

/** A code host's secret-scanning public key (SPEC §9): its identifier and PEM text. */
export interface ScannerPublicKey {
  identifier: string;
  pem: string;
}

/** Where a code host publishes the keys its secret-scanning reports are signed with. */
export interface PublicKeySource {
  /** The keys as published now; rejects when they cannot be fetched or read. */
  fetch(): Promise<ScannerPublicKey[]>;
}

/** Where core reports what an operator should know: a failed fetch, a failed background task. */
export interface Logger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * SPEC §11's cap on OAuth token issuance: at most `perMinute` tokens per key in any rolling
 * minute, on one instance or many. `retryAfterSeconds` is when the next would be admitted.
 */
export interface TokenIssueLimiter {
  admit(keyId: string, perMinute: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;
}
