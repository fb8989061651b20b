import type { Clock } from '../lib/clock.js';
import { AccountService } from './accounts.js';
import { ApiKeyService } from './api-keys.js';
import { AuditLog } from './audit.js';
import { Authenticator } from './authenticator.js';
import { EventService } from './events.js';
import { GroupCommit } from './group-commit.js';
import type { PlanTable } from './plans.js';
import type { CollectLimiter, CollectLimits, FailedAuthLimiter, RequestLogEntry, SignupLimiter, Store, UsageLimiter } from './ports.js';
import { RequestGate } from './request-gate.js';
import { RequestLogService } from './request-logs.js';
import { SessionService } from './sessions.js';
import { SiteService } from './sites.js';

export interface Services {
  accounts: AccountService;
  sites: SiteService;
  events: EventService;
  keys: ApiKeyService;
  sessions: SessionService;
  audit: AuditLog;
  gate: RequestGate;
  requestLogs: RequestLogService;
  /** Where the HTTP layer commits a request's log row before answering (SPEC §4). */
  logWriter: GroupCommit<RequestLogEntry>;
  failedAuth: FailedAuthLimiter;
  store: Store;
  clock: Clock;
  /** Resolves when storage and every other connection answer (readiness). */
  ping(): Promise<void>;
  /** Commits pending log rows and events, then closes storage and the other connections. */
  close(): Promise<void>;
}

/** A connection the services depend on beside storage (Redis): pinged for readiness, closed last. */
export interface Connection {
  ping(): Promise<unknown>;
  quit(): Promise<unknown>;
}

export interface ServiceParts {
  store: Store;
  plans: PlanTable;
  failedAuth: FailedAuthLimiter;
  limiter: UsageLimiter;
  collectLimiter: CollectLimiter;
  collectLimits: CollectLimits;
  signupLimiter: SignupLimiter;
  clock: Clock;
  connections?: readonly Connection[];
}

export function createServices({ store, plans, failedAuth, limiter, collectLimiter, collectLimits, signupLimiter, clock, connections = [] }: ServiceParts): Services {
  const accounts = new AccountService({ store, plans, clock });
  const audit = new AuditLog({ store: store.audit, clock });
  const sites = new SiteService({ store, accounts, audit, clock });
  const events = new EventService({ store, sites, limiter: collectLimiter, limits: collectLimits, clock });
  const authenticator = new Authenticator({ store, plans, failedAuth, clock });
  const logWriter = new GroupCommit<RequestLogEntry>((batch) => store.requestLogs.append(batch));
  return {
    accounts,
    sites,
    events,
    keys: new ApiKeyService({ store, accounts, audit, clock }),
    sessions: new SessionService({ store, accounts, failedAuth, signupLimiter, audit, clock }),
    audit,
    gate: new RequestGate({ authenticator, limiter }),
    requestLogs: new RequestLogService({ store: store.requestLogs, plans, clock }),
    logWriter,
    failedAuth,
    store,
    clock,
    async ping() {
      await Promise.all([store.ping(), ...connections.map((connection) => connection.ping())]);
    },
    async close() {
      await Promise.all([logWriter.flush(), events.flush()]);
      await store.close();
      await Promise.all(connections.map((connection) => connection.quit()));
    },
  };
}
