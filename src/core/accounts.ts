import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashPassword } from '../lib/password.js';
import { KeygateError, invalid } from './errors.js';
import type { Account } from './model.js';
import type { Plan, PlanTable } from './plans.js';
import type { Store } from './ports.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD_LENGTH = 10;

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
  if (normalized.length > 254 || !EMAIL.test(normalized)) throw invalid('email', 'must be an email address');
  return normalized;
}

/** A new password's rule, for sign-up and for a change of password (`field` names it in the refusal). */
export function checkPassword(field: string, password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw invalid(field, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw invalid(field, 'must be at most 1024 characters');
}

export class AccountService {
  constructor(private readonly opts: AccountServiceOptions) {}

  planNamed(name: string): Plan {
    const plan = this.opts.plans.get(name);
    if (!plan) throw invalid('plan', `unknown plan ${JSON.stringify(name)} (defined: ${[...this.opts.plans.keys()].join(', ')})`);
    return plan;
  }

  async createAccount(input: { email: string; password: string; plan?: string }): Promise<{ accountId: string; userId: string }> {
    const email = normalizeEmail(input.email);
    checkPassword('password', input.password);
    const plan = this.planNamed(input.plan ?? 'free');
    const now = this.opts.clock.now();
    const account: Account = { id: newId('acct'), plan: plan.name, createdAt: now };
    const user = { id: newId('user'), accountId: account.id, email, passwordHash: await hashPassword(input.password), createdAt: now };
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

  async planOf(accountId: string): Promise<Plan> {
    return this.planNamed((await this.getAccount(accountId)).plan);
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
