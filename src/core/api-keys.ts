import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { DEFAULT_KEY_PREFIX, generateApiKey, hashApiKey, type KeyMode, keyPrefix } from '../lib/key-format.js';
import { textProblem } from '../lib/text.js';
import { timeOfIso } from '../lib/utc-days.js';
import type { AccountService } from './accounts.js';
import type { Actor, AuditLog } from './audit.js';
import { invalid, KeygateError } from './errors.js';
import {
  type ApiKey,
  type AuditAction,
  isFlaggedLeak,
  isRevoked,
  type KeyLeak,
  type Millis,
  QUOTA_WINDOWS,
  type Quotas,
  type QuotaWindow,
  type Restrictions,
  type WebhookEventType,
} from './model.js';
import type { GuardedWrite, Store } from './ports.js';
import { quotaUse } from './quota-use.js';
import { normalizeRestrictions } from './restrictions.js';
import type { RevocationReason, WebhookEvents } from './webhook-events.js';

/** SPEC §2's categories, the default first; any other label (1–32 characters) is allowed too. */
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
const SETTING_FIELDS: Record<keyof KeySettings, string> = {
  name: 'name',
  category: 'category',
  expiresAt: 'expires_at',
  quotas: 'quotas',
  restrictions: 'restrictions',
};

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
  webhookEvents: WebhookEvents;
  clock: Clock;
  /** The deployment's KEY_PREFIX, which new keys start with (SPEC §2). */
  keyPrefix?: string;
}

function checkLabel(field: string, value: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length < 1 || trimmed.length > max) throw invalid(field, `must be 1-${max} characters`);
  if (CONTROL_CHARS.test(trimmed)) throw invalid(field, 'must not contain control characters');
  const problem = textProblem(trimmed);
  if (problem) throw invalid(field, problem);
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

/**
 * An expiry as people and scripts write it (the CLI's --expires, the dashboard's expires_at):
 * a strict ISO 8601 date-time, so that every entry point refuses 2099-02-30 alike.
 */
export function parseExpiry(field: string, text: string): Millis {
  const ms = timeOfIso(text);
  if (ms === undefined) throw invalid(field, 'must be an ISO 8601 date-time that exists, such as 2027-01-31T00:00:00Z');
  return ms;
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

/** A key whose rotation already set its end: it works until then and turns no more. */
function inGrace(key: ApiKey): KeygateError {
  return invalid(
    'key',
    `${JSON.stringify(key.name)} is in the grace period of a rotation until ${new Date(key.revokedAt!).toISOString()}; rotate its replacement instead`,
  );
}

export class ApiKeyService {
  private readonly keyPrefix: string;

  constructor(private readonly opts: ApiKeyServiceOptions) {
    this.keyPrefix = opts.keyPrefix ?? DEFAULT_KEY_PREFIX;
  }

  async createKey(accountId: string, input: NewKeyInput, actor: Actor = 'operator'): Promise<IssuedKey> {
    const plan = await this.opts.accounts.planOf(accountId);
    const now = this.opts.clock.now();
    const mode = input.mode ?? 'live';
    if (mode !== 'live' && mode !== 'test') throw invalid('mode', 'must be live or test');
    const settings = checkSettings(
      {
        name: input.name,
        category: input.category ?? STANDARD_CATEGORIES[0],
        expiresAt: input.expiresAt ?? null,
        quotas: input.quotas ?? {},
        restrictions: input.restrictions ?? {},
      },
      now,
    ) as KeySettings;
    const createdBy = actor !== 'operator' && 'userId' in actor ? actor.userId : null;
    const issued = this.newKey(accountId, { ...settings, mode, createdBy });
    const outcome = await this.opts.store.keys.insertGuarded(issued.key, plan.maxKeys, now, [this.opts.webhookEvents.keyEvent('key.created', issued.key)]);
    if (outcome !== 'ok') throw refusal(outcome, settings.name, plan.name, plan.maxKeys);
    await this.announce();
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
    const fields = changed.map((field) => SETTING_FIELDS[field]);
    if ((await this.opts.store.keys.edit(updated, now, [this.opts.webhookEvents.keyEvent('key.updated', updated, { fields })])) === 'NAME_TAKEN')
      throw nameTaken(updated.name);
    await this.announce();
    await this.audit(actor, 'key.updated', updated, { fields });
    return updated;
  }

  /**
   * The account's keys that are not revoked (rotated keys in their grace period included), or
   * all of them; `includeFlagged` adds those revoked as leaked whose flag is not dismissed.
   */
  async listKeys(accountId: string, { includeRevoked = false, includeFlagged = false } = {}): Promise<ApiKey[]> {
    const now = this.opts.clock.now();
    if (!includeFlagged || includeRevoked) return this.opts.store.keys.list(accountId, includeRevoked ? null : now);
    return (await this.opts.store.keys.list(accountId, null)).filter((key) => !isRevoked(key, now) || isFlaggedLeak(key));
  }

  /** How new keys of each mode start: `<KEY_PREFIX>_live_` and `<KEY_PREFIX>_test_`. */
  prefixes(): Record<KeyMode, string> {
    return { live: keyPrefix('live', this.keyPrefix), test: keyPrefix('test', this.keyPrefix) };
  }

  /** How much of each quota the key has set is used now, counted as the limiter counts it. */
  quotaUse(key: ApiKey): Promise<Partial<Record<QuotaWindow, number>>> {
    return quotaUse(this.opts.store.requestLogs, key, this.opts.clock.now());
  }

  /** A key of the scope; revoked keys count as gone unless `includeRevoked` (their history stays readable). */
  async getKey(keyId: string, scope: KeyScope, { includeRevoked = false } = {}): Promise<ApiKey> {
    const key = await this.opts.store.keys.find(keyId);
    if (!key || (scope !== 'operator' && key.accountId !== scope.accountId) || (!includeRevoked && isRevoked(key, this.opts.clock.now()))) {
      throw new KeygateError('NOT_FOUND', 'API key not found', { missing: 'api_key' });
    }
    return key;
  }

  deactivateKey(keyId: string, scope: KeyScope, actor: Actor = 'operator'): Promise<ApiKey> {
    return this.change(keyId, scope, { active: false }, actor, 'key.deactivated');
  }

  reactivateKey(keyId: string, scope: KeyScope, actor: Actor = 'operator'): Promise<ApiKey> {
    return this.change(keyId, scope, { active: true }, actor, 'key.reactivated');
  }

  /** Revokes for good; `reason` is the webhook's `data.reason`: `api` when a key revokes through the REST API, else `user` unless told. */
  revokeKey(
    keyId: string,
    scope: KeyScope,
    actor: Actor = 'operator',
    reason: RevocationReason = actor !== 'operator' && 'apiKeyId' in actor ? 'api' : 'user',
  ): Promise<ApiKey> {
    return this.change(keyId, scope, { revokedAt: this.opts.clock.now() }, actor, 'key.revoked', { reason });
  }

  /**
   * Revokes a key found leaked, at once on every instance, and records why (SPEC §9). A key
   * already revoked stays as it is: a repeated report changes nothing. True if this call revoked it.
   */
  async revokeLeakedKey(key: ApiKey, leak: Omit<KeyLeak, 'at' | 'dismissedAt'>): Promise<boolean> {
    const at = this.opts.clock.now();
    const { webhookEvents } = this.opts;
    const found = { source: leak.source, url: leak.url };
    // Both webhooks commit with the revocation, and only if this report is the one that revoked it.
    const events = [webhookEvents.keyEvent('key.leaked', key, found, at), webhookEvents.keyEvent('key.revoked', key, { reason: 'leaked', ...found }, at)];
    if (!(await this.opts.store.keys.revokeLeaked(key.id, { ...leak, at }, events))) return false;
    webhookEvents.committed();
    await this.opts.store.keyChanges.announce();
    await this.audit({ reporter: leak.source }, 'key.revoked', key, { reason: 'leaked', source: leak.source, url: leak.url });
    return true;
  }

  /** Clears the dashboard's flag on a key revoked as leaked, once a user has seen to it. */
  async dismissLeak(keyId: string, scope: KeyScope, actor: Actor = 'operator'): Promise<ApiKey> {
    const key = await this.getKey(keyId, scope, { includeRevoked: true });
    const now = this.opts.clock.now();
    if (!key.leak || !(await this.opts.store.keys.dismissLeak(key.id, now)))
      throw new KeygateError('NOT_FOUND', 'API key has no leak to dismiss', { missing: 'api_key' });
    await this.audit(actor, 'key.leak_dismissed', key, { source: key.leak.source, url: key.leak.url });
    return { ...key, leak: { ...key.leak, dismissedAt: now } };
  }

  /** Removes a key that was never used; a used key has history and can only be deactivated or revoked. */
  async deleteKey(keyId: string, scope: KeyScope, actor: Actor = 'operator'): Promise<ApiKey> {
    const key = await this.getKey(keyId, scope);
    // The store checks again as it deletes: another instance may have used the key since the read.
    const deleted = key.lastUsedAt === null && (await this.opts.store.keys.deleteUnused(key.id, [this.opts.webhookEvents.keyEvent('key.deleted', key)]));
    if (!deleted) {
      if (key.lastUsedAt === null) await this.getKey(keyId, scope); // NOT_FOUND if a concurrent delete won
      throw new KeygateError('KEY_USED', `API key ${JSON.stringify(key.name)} has been used, so it cannot be deleted; deactivate or revoke it instead`);
    }
    await this.announce();
    await this.audit(actor, 'key.deleted', key);
    return key;
  }

  /**
   * Issues a replacement with the same category, mode, expiry, quotas and restrictions;
   * the old key works for `graceSeconds` more (0 = revoked now). A key turns once: one in its
   * grace period cannot be rotated again. Allowed at the plan's key limit, where the old key's
   * grace is the one live key over it: other keys in grace count toward the limit.
   */
  async rotateKey(keyId: string, scope: KeyScope, options: { graceSeconds?: number; name?: string } = {}, actor: Actor = 'operator'): Promise<IssuedKey> {
    const graceSeconds = options.graceSeconds ?? 0;
    if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
      throw invalid('grace_seconds', `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS} (7 days)`);
    }
    const old = await this.getKey(keyId, scope);
    if (old.revokedAt !== null) throw inGrace(old);
    const plan = await this.opts.accounts.planOf(old.accountId);
    const suffix = ' (rotated)';
    const name = options.name === undefined ? old.name.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix : checkLabel('name', options.name, MAX_NAME_LENGTH);
    const now = this.opts.clock.now();
    const { category, mode, expiresAt, quotas, restrictions, createdBy } = old;
    const issued = this.newKey(old.accountId, { name, category, mode, expiresAt, quotas, restrictions, createdBy });
    const revokeOldAt = now + graceSeconds * 1000;
    const events = this.opts.webhookEvents;
    // The old key's revocation is announced when it takes effect: its event is written now, due then.
    const outcome = await this.opts.store.keys.rotate(old.id, issued.key, revokeOldAt, now, plan.maxKeys, [
      events.keyEvent('key.rotated', old, { replacement: events.keyData(issued.key), grace_seconds: graceSeconds }),
      events.keyEvent('key.created', issued.key),
      events.keyEvent('key.revoked', old, { reason: 'rotation' }, revokeOldAt),
    ]);
    if (outcome === 'NOT_ROTATABLE') throw inGrace(await this.getKey(keyId, scope)); // NOT_FOUND if revoked meanwhile
    if (outcome === 'PLAN_LIMIT') {
      throw new KeygateError(
        'PLAN_LIMIT',
        `The ${plan.name} plan allows ${plan.maxKeys} API keys, and keys in a rotation's grace period count: rotate with no grace period, or revoke a key first`,
      );
    }
    if (outcome !== 'ok') throw refusal(outcome, name, plan.name, plan.maxKeys);
    await this.announce();
    await this.audit(actor, 'key.rotated', old, { replacement_id: issued.key.id, replacement_name: name, grace_seconds: graceSeconds });
    return issued;
  }

  private newKey(accountId: string, fields: Pick<ApiKey, 'name' | 'category' | 'mode' | 'expiresAt' | 'quotas' | 'restrictions' | 'createdBy'>): IssuedKey {
    const secret = generateApiKey(fields.mode, this.keyPrefix);
    const key: ApiKey = {
      ...fields,
      id: newId('key'),
      accountId,
      prefix: keyPrefix(fields.mode, this.keyPrefix),
      last4: secret.slice(-4),
      hash: hashApiKey(secret),
      active: true,
      createdAt: this.opts.clock.now(),
      lastUsedAt: null,
      revokedAt: null,
      leak: null,
    };
    return { key, secret };
  }

  private async change(
    keyId: string,
    scope: KeyScope,
    changes: Partial<Pick<ApiKey, 'active' | 'revokedAt'>>,
    actor: Actor,
    action: AuditAction & WebhookEventType,
    eventData?: Record<string, unknown>,
  ): Promise<ApiKey> {
    const key = await this.getKey(keyId, scope);
    const changed = { ...key, ...changes };
    await this.opts.store.keys.update(key.id, changes, [this.opts.webhookEvents.keyEvent(action, changed, eventData)]);
    await this.announce();
    await this.audit(actor, action, key);
    return changed;
  }

  /** After a key write: caches everywhere drop the key, and this instance's webhook dispatcher wakes. */
  private async announce(): Promise<void> {
    await this.opts.store.keyChanges.announce();
    this.opts.webhookEvents.committed();
  }

  private audit(actor: Actor, action: AuditAction, key: ApiKey, details?: Record<string, unknown>): Promise<void> {
    return this.opts.audit.record(key.accountId, actor, action, { type: 'api_key', id: key.id, name: key.name }, details);
  }
}
