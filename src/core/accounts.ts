import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { textProblem } from '../lib/text.js';
import { invalid, KeygateError } from './errors.js';
import type { Account } from './model.js';
import { checkPasswordForm, checkPasswordStrength, newPasswordHash } from './passwords.js';
import { FREE_PLAN, type Plan, type PlanTable, planFor } from './plans.js';
import type { Store } from './ports.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface AccountServiceOptions {
  store: Store;
  plans: PlanTable;
  clock: Clock;
}

/** How an email is stored and looked up: what differs only in case or surrounding space is one address. */
export function canonicalEmail(email: string): string {
  return email.trim().toLowerCase();
}

function normalizeEmail(email: string): string {
  const normalized = canonicalEmail(email);
  if (normalized.length > 254 || !EMAIL.test(normalized) || textProblem(normalized)) throw invalid('email', 'must be an email address');
  return normalized;
}

/** The cheap checks of new credentials (no hashing, no estimate): the canonical email, or VALIDATION_ERROR. */
export function checkCredentialsForm(input: { email: string; password: string }): string {
  const email = normalizeEmail(input.email);
  checkPasswordForm(input.password);
  return email;
}

export class AccountService {
  constructor(private readonly opts: AccountServiceOptions) {}

  planNamed(name: string): Plan {
    const plan = this.opts.plans.get(name);
    if (!plan) throw invalid('plan', `unknown plan ${JSON.stringify(name)} (defined: ${[...this.opts.plans.keys()].join(', ')})`);
    return plan;
  }

  async createAccount(input: { email: string; password: string; plan?: string }): Promise<{ accountId: string; userId: string }> {
    const email = checkCredentialsForm(input);
    checkPasswordStrength(input.password, email);
    const plan = this.planNamed(input.plan ?? FREE_PLAN);
    const now = this.opts.clock.now();
    const account: Account = { id: newId('acct'), plan: plan.name, createdAt: now };
    const user = { id: newId('user'), accountId: account.id, email, passwordHash: await newPasswordHash(input.password), createdAt: now };
    if ((await this.opts.store.accounts.create(account, user)) === 'EMAIL_TAKEN') {
      throw new KeygateError('EMAIL_TAKEN', `An account with the email ${email} already exists`);
    }
    return { accountId: account.id, userId: user.id };
  }

  async getAccount(accountId: string): Promise<Account> {
    const account = await this.opts.store.accounts.find(accountId);
    if (!account) throw new KeygateError('NOT_FOUND', `Account ${accountId} not found`);
    return account;
  }

  /** The plan the account is on: `free` if its plan is no longer defined (see planFor). */
  async planOf(accountId: string): Promise<Plan> {
    return this.planOfAccount(await this.getAccount(accountId));
  }

  planOfAccount(account: Account): Plan {
    return planFor(this.opts.plans, account.plan);
  }

  async setPlan(accountId: string, planName: string): Promise<Account> {
    const plan = this.planNamed(planName);
    const account = await this.getAccount(accountId);
    await this.opts.store.accounts.setPlan(account.id, plan.name);
    // Cached keys carry their account's plan: the next request must see the new limits.
    await this.opts.store.keyChanges.announce();
    return { ...account, plan: plan.name };
  }
}
