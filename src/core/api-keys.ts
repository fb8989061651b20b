import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { generateApiKey, hashApiKey, KEY_PREFIXES, type KeyMode } from '../lib/key-format.js';
import type { AccountService } from './accounts.js';
import type { Actor, AuditLog } from './audit.js';
import { KeygateError, invalid } from './errors.js';
import { isRevoked, QUOTA_WINDOWS, type ApiKey, type AuditAction, type Millis, type QuotaWindow, type Quotas, type Restrictions } from './model.js';
import { quotaUse } from './quota-use.js';
import type { GuardedWrite, Store } from './ports.js';
import { normalizeRestrictions } from './restrictions.js';

export const STANDARD_CATEGORIES = ['production', 'staging', 'development'] as const;
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;
const MAX_NAME_LENGTH = 64;
const MAX_CATEGORY_LENGTH = 32;
const MAX_QUOTA = 1_000_000_000_000;
const CONTROL_CHARS = /[\p{Cc}\p{Cf}]/u;

/** What the owner may set on a key, at creation and later. */
export interface KeySettings {
  name: string;
  category: string;
  expiresAt: Millis | null;
  quotas: Quotas;
  restrictions: Restrictions;
}

/** The settings as the API and the audit log name them. */
const SETTING_FIELDS: Record<keyof KeySettings, string> = { name: 'name', category: 'category', expiresAt: 'expires_at', quotas: 'quotas', restrictions: 'restrictions' };

export interface NewKeyInput extends Partial<Omit<KeySettings, 'name'>> {
  name: string;
  mode?: KeyMode;
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
  audit: AuditLog;
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

/** Validates and normalises the settings present in `input`; absent ones stay absent. */
function checkSettings(input: Partial<KeySettings>, now: Millis): Partial<KeySettings> {
  const settings: Partial<KeySettings> = {};
  if (input.name !== undefined) settings.name = checkLabel('name', input.name, MAX_NAME_LENGTH);
  if (input.category !== undefined) settings.category = checkLabel('category', input.category, MAX_CATEGORY_LENGTH);
  if (input.expiresAt !== undefined) {
    if (input.expiresAt !== null && !(Number.isFinite(input.expiresAt) && input.expiresAt > now)) throw invalid('expires_at', 'must be a time in the future');
    settings.expiresAt = input.expiresAt;
  }
  if (input.quotas !== undefined) settings.quotas = checkQuotas(input.quotas);
  if (input.restrictions !== undefined) settings.restrictions = normalizeRestrictions(input.restrictions);
  return settings;
}

function nameTaken(name: string): KeygateError {
  return new KeygateError('NAME_TAKEN', `An API key named ${JSON.stringify(name)} already exists; key names are unique per account`);
}

function refusal(outcome: Exclude<GuardedWrite, 'ok'>, name: string, planName: string, maxKeys: number | null): KeygateError {
  return outcome === 'NAME_TAKEN'
    ? nameTaken(name)
    : new KeygateError('PLAN_LIMIT', `The ${planName} plan allows ${maxKeys} API keys; revoke one or upgrade the plan to create more`);
}

export class ApiKeyService {
  constructor(private readonly opts: ApiKeyServiceOptions) {}

  async createKey(accountId: string, input: NewKeyInput, actor: Actor = 'operator'): Promise<IssuedKey> {
    const plan = await this.opts.accounts.planOf(accountId);
    const now = this.opts.clock.now();
    const mode = input.mode ?? 'live';
    if (mode !== 'live' && mode !== 'test') throw invalid('mode', 'must be live or test');
    const settings = checkSettings(
      { name: input.name, category: input.category ?? 'production', expiresAt: input.expiresAt ?? null, quotas: input.quotas ?? {}, restrictions: input.restrictions ?? {} },
      now,
    ) as KeySettings;
    const createdBy = actor !== 'operator' && 'userId' in actor ? actor.userId : null;
    const issued = this.newKey(accountId, { ...settings, mode, createdBy });
    const outcome = await this.opts.store.keys.insertGuarded(issued.key, plan.maxKeys, now);
    if (outcome !== 'ok') throw refusal(outcome, settings.name, plan.name, plan.maxKeys);
    await this.opts.store.keyChanges.announce();
    await this.audit(actor, 'key.created', issued.key, { mode });
    return issued;
  }

  /**
   * Changes the settings given (mode never changes); the next request sees them. The audit
   * entry names only the settings whose value changed; an edit that changes nothing writes nothing.
   */
  async updateKey(keyId: string, scope: KeyScope, changes: Partial<KeySettings>, actor: Actor = 'operator'): Promise<ApiKey> {
    const key = await this.getKey(keyId, scope);
    const now = this.opts.clock.now();
    const settings = checkSettings(changes, now);
    const changed = (Object.keys(settings) as (keyof KeySettings)[]).filter((field) => JSON.stringify(settings[field]) !== JSON.stringify(key[field]));
    if (changed.length === 0) return key;
    const updated = { ...key, ...settings };
    if ((await this.opts.store.keys.edit(updated, now)) === 'NAME_TAKEN') throw nameTaken(updated.name);
    await this.opts.store.keyChanges.announce();
    await this.audit(actor, 'key.updated', updated, { fields: changed.map((field) => SETTING_FIELDS[field]) });
    return updated;
  }

  /** The account's keys that are not revoked (rotated keys in their grace period included), or all of them. */
  listKeys(accountId: string, { includeRevoked = false } = {}): Promise<ApiKey[]> {
    return this.opts.store.keys.list(accountId, includeRevoked ? null : this.opts.clock.now());
  }

  /** How much of each quota the key has set is used now, counted as the limiter counts it. */
  quotaUse(key: ApiKey): Promise<Partial<Record<QuotaWindow, number>>> {
    return quotaUse(this.opts.store.requestLogs, key, this.opts.clock.now());
  }

  /** A key of the scope; revoked keys count as gone unless `includeRevoked` (their history stays readable). */
  async getKey(keyId: string, scope: KeyScope, { includeRevoked = false } = {}): Promise<ApiKey> {
    const key = await this.opts.store.keys.find(keyId);
    if (!key || (scope !== 'operator' && key.accountId !== scope.accountId) || (!includeRevoked && isRevoked(key, this.opts.clock.now()))) {
      throw new KeygateError('NOT_FOUND', 'API key not found');
    }
    return key;
  }

  deactivateKey(keyId: string, scope: KeyScope, actor: Actor = 'operator'): Promise<ApiKey> {
    return this.change(keyId, scope, { active: false }, actor, 'key.deactivated');
  }

  reactivateKey(keyId: string, scope: KeyScope, actor: Actor = 'operator'): Promise<ApiKey> {
    return this.change(keyId, scope, { active: true }, actor, 'key.reactivated');
  }

  revokeKey(keyId: string, scope: KeyScope, actor: Actor = 'operator'): Promise<ApiKey> {
    return this.change(keyId, scope, { revokedAt: this.opts.clock.now() }, actor, 'key.revoked');
  }

  /** Removes a key that was never used; a used key has history and can only be deactivated or revoked. */
  async deleteKey(keyId: string, scope: KeyScope, actor: Actor = 'operator'): Promise<ApiKey> {
    const key = await this.getKey(keyId, scope);
    // The store checks again as it deletes: another instance may have used the key since the read.
    const deleted = key.lastUsedAt === null && (await this.opts.store.keys.deleteUnused(key.id));
    if (!deleted) {
      if (key.lastUsedAt === null) await this.getKey(keyId, scope); // NOT_FOUND if a concurrent delete won
      throw new KeygateError('KEY_USED', `API key ${JSON.stringify(key.name)} has been used, so it cannot be deleted; deactivate or revoke it instead`);
    }
    await this.opts.store.keyChanges.announce();
    await this.audit(actor, 'key.deleted', key);
    return key;
  }

  /**
   * Issues a replacement with the same category, mode, expiry, quotas and restrictions;
   * the old key works for `graceSeconds` more (0 = revoked now). Allowed at the plan's key limit.
   */
  async rotateKey(keyId: string, scope: KeyScope, options: { graceSeconds?: number; name?: string } = {}, actor: Actor = 'operator'): Promise<IssuedKey> {
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
    await this.audit(actor, 'key.rotated', old, { replacement_id: issued.key.id, replacement_name: name, grace_seconds: graceSeconds });
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

  private async change(keyId: string, scope: KeyScope, changes: Partial<Pick<ApiKey, 'active' | 'revokedAt'>>, actor: Actor, action: AuditAction): Promise<ApiKey> {
    const key = await this.getKey(keyId, scope);
    await this.opts.store.keys.update(key.id, changes);
    await this.opts.store.keyChanges.announce();
    await this.audit(actor, action, key);
    return { ...key, ...changes };
  }

  private audit(actor: Actor, action: AuditAction, key: ApiKey, details?: Record<string, unknown>): Promise<void> {
    return this.opts.audit.record(key.accountId, actor, action, { type: 'api_key', id: key.id, name: key.name }, details);
  }
}
