import type { Clock } from '../lib/clock.js';
import { AccessTokenService } from './access-tokens.js';
import { AccountService } from './accounts.js';
import { ApiKeyService } from './api-keys.js';
import { AuditLog } from './audit.js';
import { Authenticator } from './authenticator.js';
import { EventService } from './events.js';
import { GroupCommit } from './group-commit.js';
import { LeakService } from './leaks.js';
import type { PlanTable } from './plans.js';
import type {
  CollectLimiter,
  CollectLimits,
  FailedAuthLimiter,
  Logger,
  PublicKeySource,
  ReportLimiter,
  RequestLogEntry,
  SignupLimiter,
  Store,
  TokenIssueLimiter,
  UsageLimiter,
  WebhookTransport,
} from './ports.js';
import { RequestGate } from './request-gate.js';
import { RequestLogService } from './request-logs.js';
import { SampledRequestLog } from './sampled-request-log.js';
import { ScannerKeyring } from './scanner-keyring.js';
import { SessionService } from './sessions.js';
import { SiteService } from './sites.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { type EventPayloads, WebhookEvents } from './webhook-events.js';
import { WebhookWatchers } from './webhook-watchers.js';
import { WebhookService } from './webhooks.js';

export interface Services {
  accounts: AccountService;
  sites: SiteService;
  events: EventService;
  keys: ApiKeyService;
  accessTokens: AccessTokenService;
  sessions: SessionService;
  audit: AuditLog;
  gate: RequestGate;
  requestLogs: RequestLogService;
  /** Where the HTTP layer commits a request's log row before answering (SPEC §4). */
  logWriter: GroupCommit<RequestLogEntry>;
  /** The log writer behind the sampling of refused requests: what the HTTP layer writes to. */
  requestLog: SampledRequestLog;
  failedAuth: FailedAuthLimiter;
  webhooks: WebhookService;
  /** Where services get the webhook events they commit with their changes (SPEC §10). */
  webhookEvents: WebhookEvents;
  /** Delivery and the expiry and quota watchers: started by the server (never by the CLI), stopped by `close`. */
  webhookDispatcher: WebhookDispatcher;
  webhookWatchers: WebhookWatchers;
  leaks: LeakService;
  /** The keys each configured code host signs its secret-scanning reports with (SPEC §9). */
  scanners: Partial<Record<ScannerName, ScannerKeyring>>;
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

/** The code hosts whose secret-scanning reports are taken (SPEC §9). */
export type ScannerName = 'github' | 'gitlab';

const SILENT: Logger = { warn() {}, error() {} };

export interface ServiceParts {
  store: Store;
  plans: PlanTable;
  failedAuth: FailedAuthLimiter;
  limiter: UsageLimiter;
  collectLimiter: CollectLimiter;
  collectLimits: CollectLimits;
  reportLimiter: ReportLimiter;
  tokenIssueLimiter: TokenIssueLimiter;
  /** OAuth tokens a key may obtain per rolling minute. */
  tokensPerMinute: number;
  signupLimiter: SignupLimiter;
  clock: Clock;
  /** SPEC §2's KEY_PREFIX; `sk` unless configured. */
  keyPrefix?: string;
  /** Where each code host taken reports from publishes its public keys. */
  scannerKeys?: Partial<Record<ScannerName, PublicKeySource>>;
  /** Where failures nobody waits for are reported (the server's log). */
  logger?: Logger;
  connections?: readonly Connection[];
  webhookTransport: WebhookTransport;
  webhookDelivery: { retryScheduleSeconds: readonly number[]; timeoutMs: number };
  /** How webhook events show keys, sites and endpoints: the HTTP layer's views. */
  eventPayloads: EventPayloads;
  /** Where failures of background work (webhook delivery, watchers) are reported. */
  onBackgroundError?: (error: unknown) => void;
}

export function createServices(parts: ServiceParts): Services {
  const { store, plans, failedAuth, limiter, collectLimiter, collectLimits, reportLimiter, tokenIssueLimiter, tokensPerMinute, signupLimiter, clock } = parts;
  const { keyPrefix, scannerKeys = {}, logger = SILENT, connections = [], onBackgroundError = () => {} } = parts;
  const accounts = new AccountService({ store, plans, clock });
  const audit = new AuditLog({ store: store.audit, clock });
  const webhookEvents = new WebhookEvents({ store: store.webhooks, clock, payloads: parts.eventPayloads });
  const sites = new SiteService({ store, accounts, audit, webhookEvents, clock });
  const events = new EventService({ store, sites, limiter: collectLimiter, limits: collectLimits, clock });
  const webhookDispatcher = new WebhookDispatcher({
    store: store.webhooks,
    transport: parts.webhookTransport,
    webhookEvents,
    clock,
    ...parts.webhookDelivery,
    onError: onBackgroundError,
  });
  const webhookWatchers = new WebhookWatchers({ store, webhookEvents, clock, onError: onBackgroundError });
  const logWriter = new GroupCommit<RequestLogEntry>((batch) => store.requestLogs.append(batch));
  const keys = new ApiKeyService({ store, accounts, audit, webhookEvents, clock, keyPrefix });
  const accessTokens = new AccessTokenService({ store, keys, audit, failedAuth, issueLimiter: tokenIssueLimiter, issuePerMinute: tokensPerMinute, clock });
  const authenticator = new Authenticator({ store, plans, failedAuth, webhookEvents, accessTokens, clock });
  const leaks = new LeakService({ store, keys, reportLimiter, logger });
  const scanners = Object.fromEntries(
    Object.entries(scannerKeys).map(([name, source]) => [name, new ScannerKeyring({ name, source, clock, logger })]),
  ) as Services['scanners'];
  const requestLog = new SampledRequestLog(logWriter, clock);
  return {
    accounts,
    sites,
    events,
    keys,
    sessions: new SessionService({ store, accounts, failedAuth, signupLimiter, audit, webhookEvents, clock }),
    accessTokens,
    audit,
    gate: new RequestGate({ authenticator, limiter }),
    requestLogs: new RequestLogService({ store: store.requestLogs, plans, clock }),
    logWriter,
    requestLog,
    failedAuth,
    webhooks: new WebhookService({ store, audit, webhookEvents, transport: parts.webhookTransport, clock }),
    webhookEvents,
    webhookDispatcher,
    webhookWatchers,
    leaks,
    scanners,
    store,
    clock,
    async ping() {
      await Promise.all([store.ping(), ...connections.map((connection) => connection.ping())]);
    },
    async close() {
      // The sampled refusals' pending summaries go into the log writer before it is flushed.
      await requestLog.close();
      await Promise.all([logWriter.flush(), events.flush(), leaks.settled(), webhookDispatcher.stop(), webhookWatchers.stop()]);
      await store.close();
      await Promise.all(connections.map((connection) => connection.quit()));
    },
  };
}
