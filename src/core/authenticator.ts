import { isAccessToken } from '../lib/access-token.js';
import type { Clock } from '../lib/clock.js';
import { hashApiKey, parseApiKey } from '../lib/key-format.js';
import type { AccessTokenService } from './access-tokens.js';
import { ChangeCache } from './change-cache.js';
import type { ErrorCode } from './errors.js';
import { isRevoked, type ApiKey } from './model.js';
import type { Plan, PlanTable } from './plans.js';
import type { FailedAuthLimiter, Store } from './ports.js';
import { compileRestrictions, RESTRICTION_MESSAGES, type RequestTraits, type RestrictionMatcher } from './restrictions.js';

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

interface CachedKey {
  key: ApiKey;
  /** The account's plan when the key was read; a plan change announces a key change. */
  plan: Plan;
  restrictions: RestrictionMatcher;
}

export interface AuthenticatorOptions {
  store: Store;
  plans: PlanTable;
  failedAuth: FailedAuthLimiter;
  accessTokens: Pick<AccessTokenService, 'resolve'>;
  clock: Clock;
}

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

  async authenticate(token: string | undefined, request: RequestTraits): Promise<AuthOutcome> {
    if (await this.opts.failedAuth.isBlocked(request.ip)) return failure('IP_BLOCKED');
    if (token === undefined) return failure('MISSING_KEY');
    // An OAuth access token (SPEC §11) stands for its key, which then meets exactly the checks below.
    const grant = isAccessToken(token) ? await this.opts.accessTokens.resolve(token) : undefined;
    const cached = grant ? await this.lookup(grant.keyHash) : parseApiKey(token) ? await this.lookup(hashApiKey(token)) : undefined;
    const now = this.opts.clock.now();
    if (!cached || isRevoked(cached.key, now)) {
      await this.opts.failedAuth.recordFailure(request.ip);
      return failure('INVALID_KEY', cached?.key);
    }
    const { key, plan } = cached;
    if (!key.active) return failure('INACTIVE_KEY', key);
    if ((key.expiresAt !== null && key.expiresAt <= now) || (grant && grant.expiresAt <= now)) return failure('EXPIRED_KEY', key);
    const restriction = cached.restrictions.check(request);
    if (restriction) return { ok: false, code: 'KEY_RESTRICTED', message: RESTRICTION_MESSAGES[restriction], key };
    // Written before the route runs, so a key that answered once can never be deleted as unused.
    if (key.lastUsedAt === null || now - key.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
      await this.opts.store.keys.update(key.id, { lastUsedAt: now });
      cached.key = { ...key, lastUsedAt: now };
    }
    return { ok: true, key: cached.key, plan };
  }

  private lookup(hash: string): Promise<CachedKey | undefined> {
    return this.cache.get(hash, async () => {
      const key = await this.opts.store.keys.findByHash(hash);
      return key && { key, plan: await this.planOf(key.accountId), restrictions: compileRestrictions(key.restrictions) };
    });
  }

  /** A plan dropped from PLANS_FILE while accounts still name it falls back to free, never to no limits. */
  private async planOf(accountId: string): Promise<Plan> {
    const account = await this.opts.store.accounts.find(accountId);
    return (account && this.opts.plans.get(account.plan)) ?? this.opts.plans.get('free')!;
  }
}

function failure(code: Exclude<AuthFailureCode, 'KEY_RESTRICTED'>, key?: ApiKey): AuthOutcome {
  return key ? { ok: false, code, message: MESSAGES[code], key } : { ok: false, code, message: MESSAGES[code] };
}
