import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryCollectLimiter } from '../adapters/memory/memory-collect-limiter.js';
import { MemoryFailedAuthLimiter } from '../adapters/memory/memory-failed-auth-limiter.js';
import { MemoryReportLimiter } from '../adapters/memory/memory-report-limiter.js';
import { MemorySignupLimiter } from '../adapters/memory/memory-signup-limiter.js';
import { MemoryTokenIssueLimiter } from '../adapters/memory/memory-token-issue-limiter.js';
import { MemoryUsageLimiter } from '../adapters/memory/memory-usage-limiter.js';
import { openSqliteStore } from '../adapters/sqlite/sqlite-store.js';
import { HttpWebhookTransport } from '../adapters/webhook/http-webhook-transport.js';
import { eventPayloads } from '../http/views.js';
import { ManualClock } from '../lib/clock.js';
import { hashApiKey, parseApiKey } from '../lib/key-format.js';
import { KeygateError } from './errors.js';
import { parsePlans } from './plans.js';
import { createServices, type Services } from './services.js';

let services: Services;
let clock: ManualClock;
let account: string;

beforeEach(async () => {
  clock = new ManualClock();
  const store = await openSqliteStore(':memory:');
  const failedAuth = new MemoryFailedAuthLimiter({ limit: 10, windowMs: 60_000, blockMs: 900_000 }, clock);
  const limiter = new MemoryUsageLimiter(store.requestLogs, clock);
  const collectLimiter = new MemoryCollectLimiter(clock);
  const collectLimits = { sitePerSecond: 100, ipPerSecond: 20 };
  const webhookTransport = new HttpWebhookTransport({ allowPrivate: false });
  const webhookDelivery = { retryScheduleSeconds: [1], timeoutMs: 1000 };
  const reportLimiter = new MemoryReportLimiter({ perIp: 10, windowMs: 60_000 }, clock);
  const signupLimiter = new MemorySignupLimiter({ limit: 10, windowMs: 3_600_000 }, clock);
  const tokenIssueLimiter = new MemoryTokenIssueLimiter(clock);
  services = createServices({
    store,
    plans: parsePlans({ tiny: { max_keys: 1 } }),
    failedAuth,
    limiter,
    collectLimiter,
    collectLimits,
    reportLimiter,
    signupLimiter,
    tokenIssueLimiter,
    tokensPerMinute: 20,
    clock,
    webhookTransport,
    webhookDelivery,
    eventPayloads,
  });
  account = (await services.accounts.createAccount({ email: 'owner@example.com', password: 'long enough password' })).accountId;
});
afterEach(() => services.store.close());

async function refusal(promise: Promise<unknown>): Promise<KeygateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KeygateError);
  return error as KeygateError;
}

describe('creating keys', () => {
  it('returns the secret once and stores only its hash, prefix and last 4', async () => {
    const { key, secret } = await services.keys.createKey(account, { name: 'Production Server' });
    expect(parseApiKey(secret)?.mode).toBe('live');
    expect(key).toMatchObject({
      name: 'Production Server',
      category: 'production',
      mode: 'live',
      prefix: 'sk_live_',
      last4: secret.slice(-4),
      hash: hashApiKey(secret),
      active: true,
    });
    const stored = await services.store.keys.find(key.id);
    expect(JSON.stringify(stored)).not.toContain(secret.slice(8, 34));
  });

  it('makes test keys with the sk_test_ prefix and keeps custom categories', async () => {
    const { key, secret } = await services.keys.createKey(account, { name: 'ci', mode: 'test', category: 'partner-acme' });
    expect(secret.startsWith('sk_test_')).toBe(true);
    expect(key).toMatchObject({ mode: 'test', category: 'partner-acme' });
  });

  it('refuses a taken name among non-revoked keys, and frees it on revoke', async () => {
    const { key } = await services.keys.createKey(account, { name: 'ci' });
    expect((await refusal(services.keys.createKey(account, { name: ' ci ' }))).code).toBe('NAME_TAKEN');
    await services.keys.revokeKey(key.id, 'operator');
    const again = await services.keys.createKey(account, { name: 'ci' });
    expect(again.key).toMatchObject({ name: 'ci', revokedAt: null });
    expect(again.key.id).not.toBe(key.id);
  });

  it('enforces the plan key limit; revoked and deleted keys do not count, deactivated and expired do', async () => {
    const a = await services.keys.createKey(account, { name: 'a' });
    const b = await services.keys.createKey(account, { name: 'b', expiresAt: clock.now() + 1000 });
    const c = await services.keys.createKey(account, { name: 'c' });
    await services.keys.deactivateKey(c.key.id, 'operator');
    clock.advance(2000);
    const over = await refusal(services.keys.createKey(account, { name: 'd' }));
    expect(over.code).toBe('PLAN_LIMIT');
    expect(over.message).toContain('free plan allows 3 API keys');
    await services.keys.revokeKey(a.key.id, 'operator');
    const d = await services.keys.createKey(account, { name: 'd' });
    await services.keys.deleteKey(d.key.id, 'operator');
    // a revoked, b expired, c deactivated, d deleted: b and c still count, so e is the third.
    expect((await services.keys.createKey(account, { name: 'e' })).key.name).toBe('e');
    expect(b.key.expiresAt).toBe(b.key.createdAt + 1000);
    expect((await refusal(services.keys.createKey(account, { name: 'f' }))).code).toBe('PLAN_LIMIT');
  });

  it('does not overshoot the limit under concurrent creates', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => services.keys.createKey(account, { name: `k${i}` })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
    expect(await services.keys.listKeys(account)).toHaveLength(3);
  });

  it.each([
    [{ name: '' }, 'name: must be 1-64 characters'],
    [{ name: 'x'.repeat(65) }, 'name: must be 1-64 characters'],
    [{ name: 'bad\u0000name' }, 'name: must not contain control characters'],
    [{ name: 'ok', category: 'c'.repeat(33) }, 'category: must be 1-32 characters'],
    [{ name: 'ok', mode: 'prod' as never }, 'mode: must be live or test'],
    [{ name: 'ok', expiresAt: Date.UTC(2020, 0, 1) }, 'expires_at: must be a time in the future'],
    [{ name: 'ok', quotas: { daily: 0 } }, 'quotas.daily: must be a whole number'],
    [{ name: 'ok', quotas: { total: 1.5 } }, 'quotas.total: must be a whole number'],
    [{ name: 'ok', restrictions: { ips: ['nope'] } }, 'restrictions.ips'],
  ])('refuses %j with VALIDATION_ERROR naming the field', async (input, message) => {
    const error = await refusal(services.keys.createKey(account, input));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('refuses keys for an unknown account', async () => {
    expect((await refusal(services.keys.createKey('acct_0000000000000000', { name: 'x' }))).code).toBe('NOT_FOUND');
  });
});

describe('key lifecycle', () => {
  it('deactivates and reactivates, keeping the key', async () => {
    const { key } = await services.keys.createKey(account, { name: 'k' });
    expect((await services.keys.deactivateKey(key.id, 'operator')).active).toBe(false);
    expect((await services.keys.reactivateKey(key.id, 'operator')).active).toBe(true);
    expect((await services.keys.getKey(key.id, 'operator')).active).toBe(true);
  });

  it('revokes for good: a revoked key cannot be found, changed or listed', async () => {
    const { key } = await services.keys.createKey(account, { name: 'k' });
    expect((await services.keys.revokeKey(key.id, 'operator')).revokedAt).toBe(clock.now());
    expect((await refusal(services.keys.reactivateKey(key.id, 'operator'))).code).toBe('NOT_FOUND');
    expect(await services.keys.listKeys(account)).toEqual([]);
    // Kept in storage, revoked: its request logs and audit entries still name it.
    expect(await services.store.keys.find(key.id)).toMatchObject({ id: key.id, revokedAt: clock.now() });
  });

  it('deletes only keys that were never used', async () => {
    const unused = await services.keys.createKey(account, { name: 'unused' });
    await services.keys.deleteKey(unused.key.id, 'operator');
    expect(await services.store.keys.find(unused.key.id)).toBeUndefined();
    const used = await services.keys.createKey(account, { name: 'used' });
    await services.store.keys.update(used.key.id, { lastUsedAt: clock.now() });
    const error = await refusal(services.keys.deleteKey(used.key.id, 'operator'));
    expect(error.code).toBe('KEY_USED');
    expect(error.message).toContain('deactivate');
  });

  it('scopes every change to the owning account', async () => {
    const other = (await services.accounts.createAccount({ email: 'other@example.com', password: 'long enough password' })).accountId;
    const { key } = await services.keys.createKey(account, { name: 'k' });
    for (const change of [services.keys.revokeKey, services.keys.deactivateKey, services.keys.deleteKey, services.keys.getKey]) {
      expect((await refusal(change.call(services.keys, key.id, { accountId: other }))).code).toBe('NOT_FOUND');
    }
    expect((await services.keys.getKey(key.id, { accountId: account })).active).toBe(true);
  });
});

describe('rotation', () => {
  it('issues a replacement with the same settings and revokes the old key after the grace', async () => {
    const old = await services.keys.createKey(account, {
      name: 'prod',
      category: 'staging',
      mode: 'test',
      expiresAt: clock.now() + 86_400_000,
      quotas: { daily: 100 },
      restrictions: { ips: ['10.0.0.0/8'] },
    });
    await services.store.keys.update(old.key.id, { lastUsedAt: clock.now() });
    clock.advance(1000);
    const rotated = await services.keys.rotateKey(old.key.id, 'operator', { graceSeconds: 3600 });
    expect(rotated.secret).not.toBe(old.secret);
    expect(rotated.key).toMatchObject({
      name: 'prod (rotated)',
      category: 'staging',
      mode: 'test',
      expiresAt: old.key.expiresAt,
      quotas: { daily: 100 },
      restrictions: { ips: ['10.0.0.0/8'] },
      lastUsedAt: null,
    });
    expect((await services.keys.listKeys(account)).map((key) => key.id)).toEqual([old.key.id, rotated.key.id]);
    clock.advance(3600_000);
    expect((await services.keys.listKeys(account)).map((key) => key.id)).toEqual([rotated.key.id]);
  });

  it('revokes at once with no grace, and takes a new name when given', async () => {
    const old = await services.keys.createKey(account, { name: 'prod' });
    const rotated = await services.keys.rotateKey(old.key.id, 'operator', { name: 'prod' });
    expect(rotated.key.name).toBe('prod');
    expect((await services.keys.listKeys(account)).map((key) => key.id)).toEqual([rotated.key.id]);
  });

  it('is allowed at the plan limit', async () => {
    await services.accounts.setPlan(account, 'tiny');
    const only = await services.keys.createKey(account, { name: 'only' });
    expect((await refusal(services.keys.createKey(account, { name: 'second' }))).code).toBe('PLAN_LIMIT');
    const rotated = await services.keys.rotateKey(only.key.id, 'operator', { graceSeconds: 60 });
    expect(rotated.key.name).toBe('only (rotated)');
    expect((await services.keys.getKey(only.key.id, 'operator')).revokedAt).toBe(clock.now() + 60_000);
  });

  it('refuses to rotate a key in its grace period again, leaving its end where it was', async () => {
    const old = await services.keys.createKey(account, { name: 'prod' });
    await services.keys.rotateKey(old.key.id, 'operator', { graceSeconds: 7 * 86_400 });
    clock.advance(86_400_000);
    const refused = await refusal(services.keys.rotateKey(old.key.id, 'operator', { graceSeconds: 7 * 86_400 }));
    expect(refused.code).toBe('VALIDATION_ERROR');
    expect(refused.message).toMatch(/^key: "prod" is in the grace period of a rotation until /);
    const kept = await services.keys.getKey(old.key.id, 'operator');
    expect(kept.revokedAt).toBe(old.key.createdAt + 7 * 86_400_000);
    expect((await services.keys.listKeys(account)).map((key) => key.name).sort()).toEqual(['prod', 'prod (rotated)']);
  });

  it('keeps rotations with grace within the plan limit: keys in grace count, the rotated key is spared once', async () => {
    await services.accounts.setPlan(account, 'tiny');
    const first = await services.keys.createKey(account, { name: 'only' });
    const second = await services.keys.rotateKey(first.key.id, 'operator', { graceSeconds: 7 * 86_400 });
    // The replacement cannot start another grace while its predecessor's runs: that would be a second key over the limit.
    expect((await refusal(services.keys.rotateKey(second.key.id, 'operator', { graceSeconds: 60 }))).code).toBe('PLAN_LIMIT');
    expect((await refusal(services.keys.createKey(account, { name: 'another' }))).code).toBe('PLAN_LIMIT');
    // A rotation without grace adds no live key, so a leaked key can always be replaced at once.
    const third = await services.keys.rotateKey(second.key.id, 'operator');
    expect((await services.keys.listKeys(account)).map((key) => key.id).sort()).toEqual([first.key.id, third.key.id].sort());
    clock.advance(7 * 86_400_000);
    // The first key's grace is over: the third may now start one.
    const fourth = await services.keys.rotateKey(third.key.id, 'operator', { graceSeconds: 60 });
    expect((await services.keys.listKeys(account)).map((key) => key.id).sort()).toEqual([third.key.id, fourth.key.id].sort());
  });

  it('refuses a grace period over 7 days or negative', async () => {
    const old = await services.keys.createKey(account, { name: 'prod' });
    for (const graceSeconds of [7 * 86_400 + 1, -1, 1.5]) {
      expect((await refusal(services.keys.rotateKey(old.key.id, 'operator', { graceSeconds }))).message).toMatch(/^grace_seconds:/);
    }
    await services.keys.rotateKey(old.key.id, 'operator', { graceSeconds: 7 * 86_400 });
    expect((await services.keys.getKey(old.key.id, 'operator')).revokedAt).toBe(clock.now() + 7 * 86_400_000);
  });

  it('refuses a new name that another live key holds, leaving the old key untouched', async () => {
    const old = await services.keys.createKey(account, { name: 'prod' });
    await services.keys.createKey(account, { name: 'taken' });
    expect((await refusal(services.keys.rotateKey(old.key.id, 'operator', { name: 'taken' }))).code).toBe('NAME_TAKEN');
    expect((await services.keys.getKey(old.key.id, 'operator')).revokedAt).toBeNull();
  });
});
