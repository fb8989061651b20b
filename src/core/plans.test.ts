import { describe, expect, it } from 'vitest';
import { KeygateError } from './errors.js';
import { DEFAULT_PLANS, parsePlans, planFor } from './plans.js';

describe('plans', () => {
  it('defines free and pro as SPEC §1 lists them', () => {
    const plans = parsePlans({});
    expect(plans.get('free')).toEqual({
      name: 'free',
      maxKeys: 3,
      perKeyPerMinute: 60,
      accountPerSecond: 10,
      accountPerMinute: 180,
      maxSites: 3,
      logRetentionDays: 30,
    });
    expect(plans.get('pro')).toEqual({
      name: 'pro',
      maxKeys: 10,
      perKeyPerMinute: 600,
      accountPerSecond: 50,
      accountPerMinute: 6000,
      maxSites: null,
      logRetentionDays: 90,
    });
  });

  it('adds plans from PLANS_FILE, taking unset limits from free, null meaning unlimited', () => {
    const plans = parsePlans({ enterprise: { max_keys: 100, per_key_per_minute: 100000, account_per_second: null } });
    expect(plans.get('enterprise')).toEqual({ ...DEFAULT_PLANS[0], name: 'enterprise', maxKeys: 100, perKeyPerMinute: 100000, accountPerSecond: null });
  });

  it('holds an account whose plan is no longer defined to free, as PLANS_FILE defines free', () => {
    const plans = parsePlans({ free: { max_keys: 5 }, gold: { max_keys: 50 } });
    expect(planFor(plans, 'gold').maxKeys).toBe(50);
    expect(planFor(plans, 'platinum')).toEqual({ ...DEFAULT_PLANS[0], maxKeys: 5 });
  });

  it('changes only the named limits of an existing plan', () => {
    expect(parsePlans({ pro: { max_keys: 25 } }).get('pro')).toEqual({ ...DEFAULT_PLANS[1], maxKeys: 25 });
  });

  it.each([
    [[], 'PLANS_FILE: must be a JSON object of plans'],
    [{ 'Bad Name': {} }, 'PLANS_FILE.Bad Name: plan names are'],
    [{ gold: 5 }, 'PLANS_FILE.gold: must be an object of limits'],
    [{ gold: { max_keyz: 5 } }, 'PLANS_FILE.gold.max_keyz: unknown limit'],
    [{ gold: { max_keys: -1 } }, 'PLANS_FILE.gold.max_keys: must be a non-negative integer or null'],
    [{ gold: { max_keys: '5' } }, 'PLANS_FILE.gold.max_keys: must be a non-negative integer or null'],
  ])('refuses %j with a message naming the field', (document, message) => {
    expect(() => parsePlans(document)).toThrow(KeygateError);
    expect(() => parsePlans(document)).toThrow(message);
  });
});
