import { readFileSync } from 'node:fs';
import { invalid } from './errors.js';

/** A plan's limits; null means unlimited. */
export interface Plan {
  name: string;
  maxKeys: number | null;
  perKeyPerMinute: number | null;
  accountPerSecond: number | null;
  accountPerMinute: number | null;
  maxSites: number | null;
  logRetentionDays: number | null;
}

export type PlanTable = ReadonlyMap<string, Plan>;

/** The plan new accounts are on, and the one an account whose plan is no longer defined is held to. */
export const FREE_PLAN = 'free';

/** SPEC §1. */
export const DEFAULT_PLANS: readonly Plan[] = [
  { name: FREE_PLAN, maxKeys: 3, perKeyPerMinute: 60, accountPerSecond: 10, accountPerMinute: 180, maxSites: 3, logRetentionDays: 30 },
  { name: 'pro', maxKeys: 10, perKeyPerMinute: 600, accountPerSecond: 50, accountPerMinute: 6000, maxSites: null, logRetentionDays: 90 },
];

/** The snake_case field names of a PLANS_FILE entry. */
const FILE_FIELDS = {
  max_keys: 'maxKeys',
  per_key_per_minute: 'perKeyPerMinute',
  account_per_second: 'accountPerSecond',
  account_per_minute: 'accountPerMinute',
  max_sites: 'maxSites',
  log_retention_days: 'logRetentionDays',
} as const satisfies Record<string, keyof Plan>;

const PLAN_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * Merges a PLANS_FILE document over the defaults. A plan already defined keeps the
 * fields the file leaves out; a new plan takes them from `free`, so a forgotten
 * field never silently means "unlimited".
 *
 * @example parsePlans({ enterprise: { max_keys: 100, account_per_second: null } })
 */
export function parsePlans(document: unknown, source = 'PLANS_FILE'): PlanTable {
  const plans = new Map(DEFAULT_PLANS.map((plan) => [plan.name, plan]));
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalid(source, 'must be a JSON object of plans');
  }
  for (const [name, entry] of Object.entries(document)) {
    if (!PLAN_NAME.test(name)) throw invalid(`${source}.${name}`, 'plan names are 1-32 lowercase letters, digits, _ or -');
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw invalid(`${source}.${name}`, 'must be an object of limits');
    }
    const plan: Plan = { ...(plans.get(name) ?? plans.get(FREE_PLAN)!), name };
    for (const [field, value] of Object.entries(entry)) {
      const key = FILE_FIELDS[field as keyof typeof FILE_FIELDS];
      if (!key) throw invalid(`${source}.${name}.${field}`, `unknown limit (known: ${Object.keys(FILE_FIELDS).join(', ')})`);
      if (value !== null && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
        throw invalid(`${source}.${name}.${field}`, 'must be a non-negative integer or null (unlimited)');
      }
      (plan as unknown as Record<string, number | null>)[key] = value as number | null;
    }
    plans.set(name, plan);
  }
  return plans;
}

/**
 * The plan an account that names `name` is on. A plan dropped from PLANS_FILE while accounts
 * still name it counts as `free`: never as no limits (SPEC §1: limits that are set are always
 * checked), and never as an error. Authentication, key creation, sites, log retention and the
 * dashboard all read an account's plan through here; only set-plan and create-account insist
 * on a defined plan.
 *
 * @example planFor(parsePlans({}), 'enterprise').name // 'free'
 */
export function planFor(plans: PlanTable, name: string): Plan {
  return plans.get(name) ?? fallbackPlan(plans);
}

/** The plan an account is held to when the plan it names is no longer defined: free. */
export function fallbackPlan(plans: PlanTable): Plan {
  return plans.get(FREE_PLAN)!;
}

export function loadPlans(file: string | undefined): PlanTable {
  if (!file) return parsePlans({});
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalid('PLANS_FILE', `cannot read ${file} as JSON (${(error as Error).message})`);
  }
  return parsePlans(document);
}
