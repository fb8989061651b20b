import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { generateApiKey, hashApiKey, KEY_PREFIXES, type KeyMode } from '../lib/key-format.js';
import type { AccountService } from './accounts.js';
import { KeygateError, invalid } from './errors.js';
import { isRevoked, QUOTA_WINDOWS, type ApiKey, type Millis, type Quotas, type Restrictions } from './model.js';
import type { GuardedWrite, Store } from './ports.js';
import { normalizeRestrictions } from './restrictions.js';

export const STANDARD_CATEGORIES = ['production', 'staging', 'development'] as const;
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;
const MAX_NAME_LENGTH = 64;
const MAX_CATEGORY_LENGTH = 32;
const MAX_QUOTA = 1_000_000_000_000;
const CONTROL_CHARS = /[\p{Cc}\p{Cf}]/u;

export interface NewKeyInput {
  name: string;
  category?: string;
  mode?: KeyMode;
  expiresAt?: Millis | null;
  quotas?: Quotas;
  restrictions?: Restrictions;
  /** The user who created it; null when an operator used the CLI. */
  createdBy?: string | null;
}

/** A key as its creator receives it: the record, and the secret exactly once. */
export interface IssuedKey {
  key: ApiKey;
  secret: string;
}

/** Who may touch a key: one account (REST, dashboard) or an operator (CLI). */
export type KeyScope = { accountId: string } | 'operator';

export interface ApiKeyServiceOptions {
  store: Store;
  accounts: AccountService;
  clock: Clock;
}

function checkLabel(field: string, value: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length < 1 || trimmed.length > max) throw invalid(field, `must be 1-${max} characters`);
  if (CONTROL_CHARS.test(trimmed)) throw invalid(field, 'must not contain control characters');
  return trimmed;
}

function checkQuotas(quotas: Quotas = {}): Quotas {
  const out: Quotas = {};
  for (const window of QUOTA_WINDOWS) {
    const value = quotas[window];
    if (value === undefined || value === null) continue;
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_QUOTA) throw invalid(`quotas.${window}`, `must be a whole number from 1 to ${MAX_QUOTA}`);
    out[window] = value;
  }
  return out;
}

function refusal(outcome: Exclude<GuardedWrite, 'ok'>, name: string, planName: string, maxKeys: number | null): KeygateError {
  return outcome === 'NAME_TAKEN'
    ? new KeygateError('NAME_TAKEN', `An API key named ${JSON.stringify(name)} already exists; key names are unique per account`)
    : new KeygateError('PLAN_LIMIT', `The ${planName} plan allows ${maxKeys} API keys; revoke one or upgrade the plan to create more`);
}

export class ApiKeyService {
  constructor(private readonly opts: ApiKeyServiceOptions) {}

  async createKey(accountId: string, input: NewKeyInput): Promise<IssuedKey> {
    const plan = await this.opts.accounts.planOf(accountId);
    const now = this.opts.clock.now();
    const name = checkLabel('name', input.name, MAX_NAME_LENGTH);
    const mode = input.mode ?? 'live';
    if (mode !== 'live' && mode !== 'test') throw invalid('mode', 'must be live or test');
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null && !(Number.isFinite(expiresAt) && expiresAt > now)) throw invalid('expires_at', 'must be a time in the future');
    const issued = this.newKey(accountId, {
      name,
      category: checkLabel('category', input.category ?? 'production', MAX_CATEGORY_LENGTH),
      mode,
      expiresAt,
      quotas: checkQuotas(input.quotas),
      restrictions: normalizeRestrictions(input.restrictions ?? {}),
      createdBy: input.createdBy ?? null,
    });
    const outcome = await this.opts.store.keys.insertGuarded(issued.key, plan.maxKeys, now);
    if (outcome !== 'ok') throw refusal(outcome, name, plan.name, plan.maxKeys);
    await this.opts.store.keyChanges.announce();
    return issued;
  }

  /** The account's keys that are not revoked, including rotated keys still in their grace period. */
  listKeys(accountId: string): Promise<ApiKey[]> {
    return this.opts.store.keys.listLive(accountId, this.opts.clock.now());
  }

  /** A key that is not revoked and that `scope` may touch; NOT_FOUND otherwise. */
  /** A key of the scope; revoked keys count as gone unless `includeRevoked` (their history stays readable). */
  async getKey(keyId: string, scope: KeyScope, { includeRevoked = false } = {}): Promise<ApiKey> {
    const key = await this.opts.store.keys.find(keyId);
    if (!key || (scope !== 'operator' && key.accountId !== scope.accountId) || (!includeRevoked && isRevoked(key, this.opts.clock.now()))) {
      throw new KeygateError('NOT_FOUND', 'API key not found');
    }
    return key;
  }

  deactivateKey(keyId: string, scope: KeyScope): Promise<ApiKey> {
    return this.change(keyId, scope, { active: false });
  }

  reactivateKey(keyId: string, scope: KeyScope): Promise<ApiKey> {
    return this.change(keyId, scope, { active: true });
  }

  revokeKey(keyId: string, scope: KeyScope): Promise<ApiKey> {
    return this.change(keyId, scope, { revokedAt: this.opts.clock.now() });
  }

  /** Removes a key that was never used; a used key has history and can only be deactivated or revoked. */
  async deleteKey(keyId: string, scope: KeyScope): Promise<ApiKey> {
    const key = await this.getKey(keyId, scope);
    if (key.lastUsedAt !== null) {
      throw new KeygateError('KEY_USED', `API key ${JSON.stringify(key.name)} has been used, so it cannot be deleted; deactivate or revoke it instead`);
    }
    await this.opts.store.keys.delete(key.id);
    await this.opts.store.keyChanges.announce();
    return key;
  }

  /**
   * Issues a replacement with the same category, mode, expiry, quotas and restrictions;
   * the old key works for `graceSeconds` more (0 = revoked now). Allowed at the plan's key limit.
   */
  async rotateKey(keyId: string, scope: KeyScope, options: { graceSeconds?: number; name?: string } = {}): Promise<IssuedKey> {
    const graceSeconds = options.graceSeconds ?? 0;
    if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
      throw invalid('grace_seconds', `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS} (7 days)`);
    }
    const old = await this.getKey(keyId, scope);
    const plan = await this.opts.accounts.planOf(old.accountId);
    const suffix = ' (rotated)';
    const name = options.name === undefined ? old.name.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix : checkLabel('name', options.name, MAX_NAME_LENGTH);
    const now = this.opts.clock.now();
    const { category, mode, expiresAt, quotas, restrictions, createdBy } = old;
    const issued = this.newKey(old.accountId, { name, category, mode, expiresAt, quotas, restrictions, createdBy });
    const outcome = await this.opts.store.keys.rotate(old.id, issued.key, now + graceSeconds * 1000, now);
    if (outcome !== 'ok') throw refusal(outcome, name, plan.name, plan.maxKeys);
    await this.opts.store.keyChanges.announce();
    return issued;
  }

  private newKey(accountId: string, fields: Pick<ApiKey, 'name' | 'category' | 'mode' | 'expiresAt' | 'quotas' | 'restrictions' | 'createdBy'>): IssuedKey {
    const secret = generateApiKey(fields.mode);
    const key: ApiKey = {
      ...fields,
      id: newId('key'),
      accountId,
      prefix: KEY_PREFIXES[fields.mode],
      last4: secret.slice(-4),
      hash: hashApiKey(secret),
      active: true,
      createdAt: this.opts.clock.now(),
      lastUsedAt: null,
      revokedAt: null,
    };
    return { key, secret };
  }

  private async change(keyId: string, scope: KeyScope, changes: Partial<Pick<ApiKey, 'active' | 'revokedAt'>>): Promise<ApiKey> {
    const key = await this.getKey(keyId, scope);
    await this.opts.store.keys.update(key.id, changes);
    await this.opts.store.keyChanges.announce();
    return { ...key, ...changes };
  }
}
