import { generateAccessToken, hashAccessToken, isAccessToken } from '../lib/access-token.js';
import type { Clock } from '../lib/clock.js';
import { hashApiKey, isWellFormedApiKey } from '../lib/key-format.js';
import type { ApiKeyService, KeyScope } from './api-keys.js';
import type { Actor, AuditLog } from './audit.js';
import { ChangeCache } from './change-cache.js';
import { type ApiKey, isRevoked, type Millis } from './model.js';
import type { FailedAuthLimiter, Store, TokenIssueLimiter } from './ports.js';

/** SPEC §11: an access token lives one hour. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
const MAX_CACHED_TOKENS = 50_000;

/** What a client presents to authenticate itself (RFC 6749 §2.3.1): a key's id and the key. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** `invalid_client` of RFC 6749 §5.2: a wrong, unknown, revoked, inactive or expired key. */
export type ClientRefusal = { ok: false; code: 'INVALID_CLIENT' };

export type TokenIssue =
  | { ok: true; accessToken: string; expiresIn: number; key: ApiKey }
  | ClientRefusal
  | { ok: false; code: 'RATE_LIMITED'; perMinute: number; retryAfterSeconds: number };

/** What an access token stands for: its key (by the key's hash, as the authenticator finds keys) until it expires. */
export interface TokenGrant {
  keyHash: string;
  expiresAt: Millis;
}

export interface AccessTokenServiceOptions {
  store: Store;
  keys: ApiKeyService;
  audit: AuditLog;
  failedAuth: FailedAuthLimiter;
  issueLimiter: TokenIssueLimiter;
  /** Tokens a key may obtain in any rolling minute (OAUTH_TOKENS_PER_MINUTE). */
  issuePerMinute: number;
  clock: Clock;
}

/**
 * OAuth 2.0 client credentials (SPEC §11, RFC 6749 §4.4, RFC 7009) on top of API keys: a key
 * authenticates as client `key_…` with itself as the secret and obtains `at_…` tokens that
 * stand for it. Tokens are stored hashed; the key's own state is checked on every request
 * that presents one, so a token dies with its key.
 */
export class AccessTokenService {
  private readonly cache: ChangeCache<TokenGrant>;

  constructor(private readonly opts: AccessTokenServiceOptions) {
    // Revoking a token announces a key change, so every instance drops its grants at once.
    this.cache = new ChangeCache(opts.store.keyChanges, MAX_CACHED_TOKENS);
  }

  /**
   * The client's key when the credentials are right and the key usable. The secret is looked up
   * by its hash (no comparison of secrets to time); each refusal counts against the client IP.
   */
  async authenticateClient({ clientId, clientSecret }: ClientCredentials, ip: string): Promise<{ ok: true; key: ApiKey } | ClientRefusal> {
    const key = isWellFormedApiKey(clientSecret) ? await this.opts.store.keys.findByHash(hashApiKey(clientSecret)) : undefined;
    const now = this.opts.clock.now();
    if (!key || key.id !== clientId || isRevoked(key, now) || !key.active || (key.expiresAt !== null && key.expiresAt <= now)) {
      await this.opts.failedAuth.recordFailure(ip);
      return { ok: false, code: 'INVALID_CLIENT' };
    }
    return { ok: true, key };
  }

  /** The client-credentials grant: a new token for the client's key, within the key's issuance limit. */
  async issue(credentials: ClientCredentials, ip: string): Promise<TokenIssue> {
    const client = await this.authenticateClient(credentials, ip);
    if (!client.ok) return client;
    const { key } = client;
    const { issuePerMinute } = this.opts;
    const admission = await this.opts.issueLimiter.admit(key.id, issuePerMinute);
    if (!admission.ok) return { ok: false, code: 'RATE_LIMITED', perMinute: issuePerMinute, retryAfterSeconds: admission.retryAfterSeconds };
    const accessToken = generateAccessToken();
    const now = this.opts.clock.now();
    const expiresAt = now + ACCESS_TOKEN_TTL_SECONDS * 1000;
    await this.opts.store.accessTokens.insert({
      hash: hashAccessToken(accessToken),
      keyId: key.id,
      accountId: key.accountId,
      createdAt: now,
      expiresAt,
      revokedAt: null,
    });
    // The key passed authentication: it has history now, so it can no longer be deleted as unused.
    await this.opts.store.keys.update(key.id, { lastUsedAt: now });
    return { ok: true, accessToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS, key };
  }

  /**
   * RFC 7009: revokes `token` if it is one of the client's own. Anything else (unknown,
   * expired, another client's, not a token at all) changes nothing and is not told apart.
   */
  async revoke(credentials: ClientCredentials, token: string, ip: string): Promise<ClientRefusal | { ok: true }> {
    const client = await this.authenticateClient(credentials, ip);
    if (!client.ok) return client;
    if (isAccessToken(token) && (await this.opts.store.accessTokens.revoke(hashAccessToken(token), client.key.id, this.opts.clock.now()))) {
      await this.opts.store.keyChanges.announce();
    }
    return { ok: true };
  }

  /**
   * What a presented access token stands for, unless it is unknown or revoked (expiry is the
   * caller's to check); `keysVersion` as ChangeCache.get takes it.
   */
  resolve(token: string, keysVersion?: string): Promise<TokenGrant | undefined> {
    const hash = hashAccessToken(token);
    return this.cache.get(
      hash,
      async () => {
        const found = await this.opts.store.accessTokens.findLive(hash);
        return found && { keyHash: found.keyHash, expiresAt: found.token.expiresAt };
      },
      keysVersion,
    );
  }

  /** Tokens of the key that still work on their own account (the key's state aside). */
  countLive(keyId: string): Promise<number> {
    return this.opts.store.accessTokens.countLive(keyId, this.opts.clock.now());
  }

  /** Revokes every live token of a key of the scope, on every instance at once; returns how many. */
  async revokeAllOfKey(keyId: string, scope: KeyScope, actor: Actor): Promise<number> {
    const key = await this.opts.keys.getKey(keyId, scope);
    const revoked = await this.opts.store.accessTokens.revokeAllOfKey(key.id, this.opts.clock.now());
    await this.opts.store.keyChanges.announce();
    await this.opts.audit.record(key.accountId, actor, 'key.tokens_revoked', { type: 'api_key', id: key.id, name: key.name }, { count: revoked });
    return revoked;
  }

  /** Deletes tokens that expired over a day ago: until then a late client is told EXPIRED_KEY, not INVALID_KEY (which counts toward the IP block). */
  prune(): Promise<number> {
    return this.opts.store.accessTokens.prune(this.opts.clock.now() - 24 * 3600 * 1000);
  }
}
