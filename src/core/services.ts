import type { Clock } from '../lib/clock.js';
import { AccountService } from './accounts.js';
import { ApiKeyService } from './api-keys.js';
import { AuditLog } from './audit.js';
import { Authenticator } from './authenticator.js';
import type { PlanTable } from './plans.js';
import type { FailedAuthLimiter, Store, UsageLimiter } from './ports.js';
import { RequestGate } from './request-gate.js';
import { GroupCommitLog, RequestLogService } from './request-logs.js';
import { SessionService } from './sessions.js';
import { SiteService } from './sites.js';

export interface Services {
  accounts: AccountService;
  sites: SiteService;
  keys: ApiKeyService;
  sessions: SessionService;
  audit: AuditLog;
  gate: RequestGate;
  requestLogs: RequestLogService;
  /** Where the HTTP layer appends a request's log row before answering. */
  logWriter: GroupCommitLog;
  failedAuth: FailedAuthLimiter;
  store: Store;
  clock: Clock;
  /** Commits pending log rows, then closes storage. */
  close(): Promise<void>;
}

export interface ServiceParts {
  store: Store;
  plans: PlanTable;
  failedAuth: FailedAuthLimiter;
  limiter: UsageLimiter;
  clock: Clock;
}

export function createServices({ store, plans, failedAuth, limiter, clock }: ServiceParts): Services {
  const accounts = new AccountService({ store, plans, clock });
  const audit = new AuditLog({ store: store.audit, clock });
  const authenticator = new Authenticator({ store, plans, failedAuth, clock });
  const logWriter = new GroupCommitLog(store.requestLogs);
  return {
    accounts,
    sites: new SiteService({ store, accounts, audit, clock }),
    keys: new ApiKeyService({ store, accounts, audit, clock }),
    sessions: new SessionService({ store, accounts, failedAuth, audit, clock }),
    audit,
    gate: new RequestGate({ authenticator, limiter }),
    requestLogs: new RequestLogService({ store: store.requestLogs, plans, clock }),
    logWriter,
    failedAuth,
    store,
    clock,
    async close() {
      await logWriter.flush();
      await store.close();
    },
  };
}
