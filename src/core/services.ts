import type { Clock } from '../lib/clock.js';
import { AccountService } from './accounts.js';
import { ApiKeyService } from './api-keys.js';
import { Authenticator } from './authenticator.js';
import type { PlanTable } from './plans.js';
import type { FailedAuthLimiter, Store } from './ports.js';
import { SiteService } from './sites.js';

export interface Services {
  accounts: AccountService;
  sites: SiteService;
  keys: ApiKeyService;
  authenticator: Authenticator;
  failedAuth: FailedAuthLimiter;
  store: Store;
  clock: Clock;
}

export function createServices(opts: { store: Store; plans: PlanTable; failedAuth: FailedAuthLimiter; clock: Clock }): Services {
  const { store, plans, failedAuth, clock } = opts;
  const accounts = new AccountService({ store, plans, clock });
  return {
    accounts,
    sites: new SiteService({ store, accounts, clock }),
    keys: new ApiKeyService({ store, accounts, clock }),
    authenticator: new Authenticator({ store, failedAuth, clock }),
    failedAuth,
    store,
    clock,
  };
}
