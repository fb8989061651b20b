import { isAccessToken } from '../lib/access-token.js';
import type { Clock } from '../lib/clock.js';
import { hasApiKeyShape, hashApiKey, hasValidChecksum } from '../lib/key-format.js';
import type { AccessTokenService } from './access-tokens.js';
import { ChangeCache } from './change-cache.js';
import type { ErrorCode } from './errors.js';
import { type ApiKey, isRevoked, type Millis } from './model.js';
import { FREE_PLAN, type Plan, type PlanTable, planFor } from './plans.js';
import type { FailedAuthLimiter, Store } from './ports.js';
import { compileRestrictions, RESTRICTION_MESSAGES, type RequestTraits, type RestrictionMatcher } from './restrictions.js';
import type { WebhookEvents } from './webhook-events.js';

export type AuthFailureCode = Extract<ErrorCode, 'IP_BLOCKED' | 'MISSING_KEY' | 'INVALID_KEY' | 'INACTIVE_KEY' | 'EXPIRED_KEY' | 'KEY_RESTRICTED'>;

export type AuthOutcome =
  | { ok: true; key: ApiKey; plan: Plan }
  /** `key` is set once the presented key is known to be an account's (revoked included), for logging. */
  | { ok: false; code: AuthFailureCode; message: string; key?: ApiKey };

/** SPEC §3 check 1's answer, for API and dashboard requests alike. */
export const IP_BLOCKED_MESSAGE = 'IP temporarily blocked';

const MESSAGES: Record<Exclude<AuthFailureCode, 'KEY_RESTRICTED'>, string> = {
  IP_BLOCKED: IP_BLOCKED_MESSAGE,
  MISSING_KEY: 'Missing API Key',
  INVALID_KEY: 'Invalid API Key',
  INACTIVE_KEY: 'Inactive API Key',
  EXPIRED_KEY: 'Expired API Key',
};

/** How often, at most, a key's last_used_at is written (SPEC §2 allows a 1 s lag). */
const LAST_USED_RESOLUTION_MS = 1000;
const MAX_CACHED_KEYS = 50_000;

export interface CachedKey {
  key: ApiKey;
  /** The account's plan when the key was read; a plan change announces a key change. */
  plan: Plan;
  restrictions: RestrictionMatcher;
  /** The last_used_at write out for this key, which the requests arriving meanwhile wait for instead of repeating it. */
  stamping?: Promise<void>;
}

export interface AuthenticatorOptions {
  store: Store;
  plans: PlanTable;
  failedAuth: FailedAuthLimiter;
  webhookEvents: WebhookEvents;
  accessTokens: Pick<AccessTokenService, 'resolve'>;
  clock: Clock;
}

/** A key record as the authenticator caches it, with the version of stored keys it is current for. */
export interface PeekedKey {
  cached: CachedKey;
  version: string;
}

export type AuthFailure = Extract<AuthOutcome, { ok: false }>;

/** Checks 1–6 passed: the key, its account's plan, and the version of stored keys they were read at. */
export type Authenticated = Extract<AuthOutcome, { ok: true }> & { keysVersion: string };

/**
 * SPEC §3 checks 1–6: IP block, key presence, format/checksum, existence, state, expiry
 * and restrictions. Key records are cached by hash and the cache is dropped whenever the
 * store's change signal moves, so a revocation is seen by the very next request.
 */
export class Authenticator {
  private readonly cache: ChangeCache<CachedKey>;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.cache = new ChangeCache(opts.store.keyChanges, MAX_CACHED_KEYS);
  }

  async authenticate(token: string | undefined, request: RequestTraits): Promise<AuthFailure | Authenticated> {
    // Both asked at once: where each is a round trip (Redis), they share one.
    const [blocked, keysVersion] = await Promise.all([this.opts.failedAuth.isBlocked(request.ip), this.opts.store.keyChanges.version()]);
    if (blocked) return failure('IP_BLOCKED');
    if (token === undefined) return failure('MISSING_KEY');
    // An OAuth access token (SPEC §11) stands for its key, which then meets exactly the checks below.
    const grant = isAccessToken(token) ? await this.opts.accessTokens.resolve(token, keysVersion) : undefined;
    const hash = grant ? grant.keyHash : hashOf(token);
    const cached = hash === undefined ? undefined : await this.lookup(hash, keysVersion, grant ? undefined : token);
    const verdict = this.verify(cached, request, grant?.expiresAt);
    if (!verdict.ok) {
      // A block is announced to the account whose (revoked) key was presented; an unknown key names no account.
      if (verdict.code === 'INVALID_KEY' && (await this.opts.failedAuth.recordFailure(request.ip)) && verdict.key) {
        const events = this.opts.webhookEvents;
        await events.emit([events.keyEvent('ip.blocked', verdict.key, { ip: request.ip, cause: 'api_key' })]);
      }
      return verdict;
    }
    await this.touch(cached!);
    return { ok: true, key: cached!.key, plan: verdict.plan, keysVersion };
  }

  /**
   * The cached record of a token, not yet known to be current: the caller confirms the version
   * atomically with its next step (UsageLimiter.admitGuarded), or falls back to `authenticate`.
   */
  peek(token: string | undefined): PeekedKey | undefined {
    const hash = token === undefined ? undefined : hashOf(token);
    const peeked = hash === undefined ? undefined : this.cache.peek(hash);
    return peeked && { cached: peeked.value, version: peeked.version };
  }

  /** Checks 3–6 on a key record (or its absence): no storage, no counting. `until`: when the access token presented for it expires. */
  verify(cached: CachedKey | undefined, request: RequestTraits, until?: Millis): AuthOutcome {
    const now = this.opts.clock.now();
    if (!cached || isRevoked(cached.key, now)) return failure('INVALID_KEY', cached?.key);
    const { key, plan } = cached;
    if (!key.active) return failure('INACTIVE_KEY', key);
    if ((key.expiresAt !== null && key.expiresAt <= now) || (until !== undefined && until <= now)) return failure('EXPIRED_KEY', key);
    const restriction = cached.restrictions.check(request);
    if (restriction) return { ok: false, code: 'KEY_RESTRICTED', message: RESTRICTION_MESSAGES[restriction], key };
    return { ok: true, key, plan };
  }

  /**
   * Stamps last_used_at (at most once a second) of a key that passed checks 1–6. Written before
   * the route runs, so a key that answered once can never be deleted as unused.
   */
  touch(cached: CachedKey): Promise<void> {
    if (cached.stamping) return cached.stamping;
    const now = this.opts.clock.now();
    const { lastUsedAt } = cached.key;
    if (lastUsedAt !== null && now - lastUsedAt < LAST_USED_RESOLUTION_MS) return Promise.resolve();
    const stamping = this.opts.store.keys
      .update(cached.key.id, { lastUsedAt: now })
      .then(() => {
        cached.key = { ...cached.key, lastUsedAt: now };
      })
      .finally(() => {
        cached.stamping = undefined;
      });
    cached.stamping = stamping;
    return stamping;
  }

  /** `token`: the key presented, whose checksum is read before storage is asked for it. */
  private lookup(hash: string, version: string, token?: string): Promise<CachedKey | undefined> {
    return this.cache.get(
      hash,
      async () => {
        // A typo or a guess never reaches storage. A cached hash needs no checksum: the key it
        // is the SHA-256 of was issued whole, so only that same key can present it.
        if (token !== undefined && !hasValidChecksum(token)) return undefined;
        const key = await this.opts.store.keys.findByHash(hash);
        return key && { key, plan: await this.planOf(key.accountId), restrictions: compileRestrictions(key.restrictions) };
      },
      version,
    );
  }

  private async planOf(accountId: string): Promise<Plan> {
    const account = await this.opts.store.accounts.find(accountId);
    return planFor(this.opts.plans, account?.plan ?? FREE_PLAN);
  }
}

/** The stored hash of a token laid out as a key; undefined for anything else. Its checksum is read on a cache miss (lookup). */
function hashOf(token: string): string | undefined {
  return hasApiKeyShape(token) ? hashApiKey(token) : undefined;
}

function failure(code: Exclude<AuthFailureCode, 'KEY_RESTRICTED'>, key?: ApiKey): AuthFailure {
  return key ? { ok: false, code, message: MESSAGES[code], key } : { ok: false, code, message: MESSAGES[code] };
}
