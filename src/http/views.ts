import { type ApiKey, isRevoked, type Millis, type QuotaWindow, type Site, type SiteStats, type WebhookEndpoint } from '../core/model.js';
import type { Plan } from '../core/plans.js';
import type { LoggedAttempt, LoggedAuditEntry, LoggedRequest, RequestLogEntry } from '../core/ports.js';
import type { SessionOwner, SessionSummary } from '../core/sessions.js';
import type { EventPayloads } from '../core/webhook-events.js';
import { dateOfDay, isoTime } from '../lib/utc-days.js';
import type {
  AuditEntryView,
  DashboardKeyView,
  IssuedKeyView,
  KeyAdminView,
  KeyView,
  LeakedKeyView,
  LeakView,
  LoggedRequestView,
  PlanView,
  RequestLogView,
  SessionInfoView,
  SessionView,
  SiteStatsView,
  SiteView,
  WebhookAttemptView,
  WebhookView,
} from './responses.js';

/**
 * The answers of SPEC §5, §8 and §10 from the domain's records, each typed by its schema in
 * responses.ts: the REST API, the dashboard API, the admin CLI and the webhook events
 * (through `eventPayloads`) all answer in them.
 */

function isoOrNull(ms: Millis | null): string | null {
  return ms === null ? null : isoTime(ms);
}

/** Each site record's creation time as text, formatted once: sites are cached, and listed on every call. */
const createdAtText = new WeakMap<Site, string>();

export function siteView(site: Site, eventsThisMonth: number): SiteView {
  let createdAt = createdAtText.get(site);
  if (createdAt === undefined) {
    createdAt = isoTime(site.createdAt);
    createdAtText.set(site, createdAt);
  }
  return { id: site.id, domain: site.domain, key: site.siteKey, events_this_month: eventsThisMonth, created_at: createdAt };
}

/** SPEC §5's stats answer. */
export function siteStatsView(stats: SiteStats): SiteStatsView {
  let humans = 0;
  let bots = 0;
  for (const day of stats.daily) {
    humans += day.humans;
    bots += day.bots;
  }
  return {
    site_id: stats.siteId,
    from: dateOfDay(stats.days.from),
    to: dateOfDay(stats.days.to),
    totals: { events: humans + bots, humans, bots },
    days: stats.daily.map((day) => ({ date: dateOfDay(day.day), humans: day.humans, bots: day.bots })),
    top_bots: stats.topBots.map(({ value, events }) => ({ name: value, events })),
    top_paths: stats.topPaths.map(({ value, events }) => ({ path: value, events })),
    top_referrers: stats.topReferrers.map(({ value, events }) => ({ referrer: value, events })),
  };
}

export function keyView(key: ApiKey): KeyView {
  return {
    id: key.id,
    name: key.name,
    category: key.category,
    mode: key.mode,
    prefix: key.prefix,
    last4: key.last4,
    active: key.active,
    expires_at: isoOrNull(key.expiresAt),
    created_at: isoTime(key.createdAt),
    last_used_at: isoOrNull(key.lastUsedAt),
  };
}

/** What operators see: the list view plus when the key was, or will be, revoked. */
export function keyAdminView(key: ApiKey): KeyAdminView {
  return { ...keyView(key), revoked_at: isoOrNull(key.revokedAt) };
}

/** The one response that carries the secret: key creation and rotation (the list view's fields, the secret second). */
export function issuedKeyView(key: ApiKey, secret: string): IssuedKeyView {
  const { id, active: _active, last_used_at: _lastUsedAt, ...settings } = keyView(key);
  return { id, key: secret, ...settings };
}

/** What stops a key working first, or `rotating` while a rotation's grace period runs. */
function keyStatus(key: ApiKey, now: Millis): DashboardKeyView['status'] {
  if (isRevoked(key, now)) return 'revoked';
  if (!key.active) return 'inactive';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return key.revokedAt === null ? 'active' : 'rotating';
}

/** Why a key was revoked as leaked, for the dashboard's flag; null for a key never reported. */
export function leakView(key: ApiKey): LeakView | null {
  if (!key.leak) return null;
  const { at, source, url, dismissedAt } = key.leak;
  return { reported_at: isoTime(at), source, url, dismissed_at: isoOrNull(dismissedAt) };
}

/** A key revoked as leaked, as the overview flags it (the caller picks the keys that have a leak). */
export function leakedKeyView(key: ApiKey): LeakedKeyView {
  return { id: key.id, name: key.name, prefix: key.prefix, last4: key.last4, leak: leakView(key)! };
}

/** What the dashboard shows of a key besides its record: how much of each quota is used, and its live OAuth tokens. */
export interface KeyUsage {
  quotaUse: Partial<Record<QuotaWindow, number>>;
  liveTokens: number;
}

/** A key as the dashboard lists it: every setting, its status, how much of each quota is used, any leak and its live tokens. */
export function dashboardKeyView(key: ApiKey, { quotaUse, liveTokens }: KeyUsage, now: Millis): DashboardKeyView {
  const { ips = [], referrers = [], endpoints = [] } = key.restrictions;
  return {
    ...keyAdminView(key),
    status: keyStatus(key, now),
    quotas: key.quotas,
    quota_use: quotaUse,
    restrictions: { ips, referrers, endpoints },
    used: key.lastUsedAt !== null,
    leak: leakView(key),
    live_tokens: liveTokens,
  };
}

/** A plan's limits under their PLANS_FILE names; null is unlimited. */
export function planView(plan: Plan): PlanView {
  return {
    name: plan.name,
    max_keys: plan.maxKeys,
    per_key_per_minute: plan.perKeyPerMinute,
    account_per_second: plan.accountPerSecond,
    account_per_minute: plan.accountPerMinute,
    max_sites: plan.maxSites,
    log_retention_days: plan.logRetentionDays,
  };
}

/** A log row as the CLI and the dashboard show it. */
export function requestLogView(entry: RequestLogEntry): RequestLogView {
  return {
    id: entry.id,
    time: isoTime(entry.time),
    key_id: entry.keyId,
    mode: entry.mode,
    method: entry.method,
    route: entry.route,
    path: entry.path,
    status: entry.status,
    code: entry.errorCode,
    duration_ms: entry.durationMs,
    ip: entry.ip,
    referrer: entry.referrer,
    user_agent: entry.userAgent,
    credits: entry.credits,
    auth: entry.auth,
    requests: entry.requests,
  };
}

/** A log row as the dashboard shows it: the CLI's view and the key's name. */
export function loggedRequestView(entry: LoggedRequest): LoggedRequestView {
  return { ...requestLogView(entry), key_name: entry.keyName };
}

/** One line of the account's audit log: who did what to which key, site, user or webhook. */
export function auditEntryView(entry: LoggedAuditEntry): AuditEntryView {
  return {
    id: entry.id,
    time: isoTime(entry.time),
    user: entry.userId === null ? null : { id: entry.userId, email: entry.userEmail ?? '' },
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId,
    target_name: entry.targetName,
    details: entry.details,
  };
}

/** An endpoint as the dashboard and the CLI show it: everything but the secret. */
export function webhookView(endpoint: WebhookEndpoint): WebhookView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    created_at: isoTime(endpoint.createdAt),
  };
}

/** One line of the delivery log (SPEC §10's `webhook-deliveries`). */
export function attemptView(attempt: LoggedAttempt): WebhookAttemptView {
  return {
    delivery_id: attempt.deliveryId,
    event_id: attempt.eventId,
    type: attempt.type,
    attempt: attempt.attempt,
    status: attempt.status,
    duration_ms: attempt.durationMs,
    error: attempt.error,
    time: isoTime(attempt.time),
    state: attempt.state,
  };
}

/** `{user, account}`: what sign-up, sign-in and GET /session answer, with the plan the account is on. */
export function sessionView({ user, account }: SessionOwner, plan: Plan): SessionView {
  return { user: { id: user.id, email: user.email }, account: { id: account.id, plan: plan.name } };
}

/** One of the user's signed-in sessions, for the Account page. */
export function sessionInfoView(session: SessionSummary): SessionInfoView {
  return {
    current: session.current,
    created_at: isoTime(session.createdAt),
    last_seen_at: isoTime(session.lastSeenAt),
    expires_at: isoTime(session.expiresAt),
  };
}

/** What webhook events carry (SPEC §10): a key, a site or an endpoint as the APIs show it. */
export const eventPayloads: EventPayloads = { apiKey: keyView, site: siteView, webhook: webhookView };
