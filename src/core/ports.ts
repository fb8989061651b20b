import type { Account, ApiKey, Millis, Site, User } from './model.js';

/** The outcome of a write that the store checks atomically against a limit or a uniqueness rule. */
export type GuardedWrite = 'ok' | 'PLAN_LIMIT' | 'NAME_TAKEN';

export interface AccountStore {
  /** Creates the account and its first user together; refuses a taken email. */
  create(account: Account, user: User): Promise<'ok' | 'EMAIL_TAKEN'>;
  find(id: string): Promise<Account | undefined>;
  setPlan(id: string, plan: string): Promise<void>;
  findUserByEmail(email: string): Promise<User | undefined>;
}

export interface SiteStore {
  /** Inserts unless the account already has `maxSites` sites (null = no limit). */
  insertWithinLimit(site: Site, maxSites: number | null): Promise<'ok' | 'PLAN_LIMIT'>;
  listByAccount(accountId: string): Promise<Site[]>;
  find(id: string): Promise<Site | undefined>;
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
  /** Keys not revoked at `now`, oldest first. */
  listLive(accountId: string, now: Millis): Promise<ApiKey[]>;
  update(id: string, changes: Partial<Pick<ApiKey, 'active' | 'revokedAt' | 'lastUsedAt'>>): Promise<void>;
  delete(id: string): Promise<void>;
}

/**
 * Tells key caches when stored keys may have changed elsewhere: another process on the same
 * SQLite file, or another instance. `version()` changes after any such change; `announce()`
 * is called after every local key write.
 */
export interface KeyChangeSignal {
  version(): string | Promise<string>;
  announce(): void | Promise<void>;
}

export interface Store {
  accounts: AccountStore;
  sites: SiteStore;
  keys: KeyStore;
  keyChanges: KeyChangeSignal;
  /** Resolves when storage answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Failed-authentication counting per client IP (SPEC §3). */
export interface FailedAuthLimiter {
  isBlocked(ip: string): Promise<boolean>;
  /** Counts one failure; returns true when this failure started a block. */
  recordFailure(ip: string): Promise<boolean>;
}
