import type { KeyMode, KeyPrefix } from '../lib/key-format.js';

/** Times are milliseconds since the epoch throughout the domain. */
export type Millis = number;

export interface Account {
  id: string;
  plan: string;
  createdAt: Millis;
}

export interface User {
  id: string;
  accountId: string;
  email: string;
  passwordHash: string;
  createdAt: Millis;
}

export interface Site {
  id: string;
  accountId: string;
  domain: string;
  siteKey: string;
  createdAt: Millis;
}

/** UTC days, as whole days since the epoch, both ends included. */
export interface DayRange {
  from: number;
  to: number;
}

export interface DayCount {
  day: number;
  humans: number;
  bots: number;
}

/** A site's events over a range of days (SPEC §5): daily counts and its top bots, paths and referrers. */
export interface SiteStats {
  siteId: string;
  days: DayRange;
  /** Every day of the range, ascending, zeros included. */
  daily: DayCount[];
  topBots: Array<{ value: string; events: number }>;
  topPaths: Array<{ value: string; events: number }>;
  topReferrers: Array<{ value: string; events: number }>;
}

export const QUOTA_WINDOWS = ['total', 'daily', 'weekly', 'monthly'] as const;
export type QuotaWindow = (typeof QUOTA_WINDOWS)[number];
export type Quotas = Partial<Record<QuotaWindow, number>>;

export interface Restrictions {
  /** IPs or CIDRs, v4 and v6. */
  ips?: string[];
  /** Origins such as `https://app.example.com` or `https://*.example.com`. */
  referrers?: string[];
  /** `METHOD /route/template` entries. */
  endpoints?: string[];
}

/** Who told us a key was leaked (SPEC §9): a code host's secret scanner, or anyone through the report endpoint. */
export const LEAK_SOURCES = ['github', 'gitlab', 'report'] as const;
export type LeakSource = (typeof LEAK_SOURCES)[number];

/** Why a key was revoked as leaked; the dashboard flags the key until a user dismisses it. */
export interface KeyLeak {
  at: Millis;
  source: LeakSource;
  /** Where it was found, as the report said; null when it gave none. */
  url: string | null;
  dismissedAt: Millis | null;
}

export interface ApiKey {
  id: string;
  accountId: string;
  name: string;
  category: string;
  mode: KeyMode;
  prefix: KeyPrefix;
  last4: string;
  /** Hex SHA-256 of the whole key; the key itself is never stored. */
  hash: string;
  active: boolean;
  expiresAt: Millis | null;
  quotas: Quotas;
  restrictions: Restrictions;
  createdAt: Millis;
  createdBy: string | null;
  lastUsedAt: Millis | null;
  /** Set by revoke; a future time is a rotation's grace period running out. */
  revokedAt: Millis | null;
  /** Set when the key was revoked because it was found leaked. */
  leak: KeyLeak | null;
}

export function isRevoked(key: ApiKey, now: Millis): boolean {
  return key.revokedAt !== null && key.revokedAt <= now;
}

/** A key revoked as leaked whose flag no user has dismissed yet. */
export function isFlaggedLeak(key: ApiKey): boolean {
  return key.leak !== null && key.leak.dismissedAt === null;
}

/** An OAuth 2.0 access token (SPEC §11): it stands for its key, which is checked on every request. */
export interface AccessToken {
  /** Hex SHA-256 of the token; the token itself is never stored. */
  hash: string;
  keyId: string;
  accountId: string;
  createdAt: Millis;
  expiresAt: Millis;
  revokedAt: Millis | null;
}

/** A signed-in dashboard user; the session id itself is never stored, only its SHA-256. */
export interface Session {
  idHash: string;
  userId: string;
  accountId: string;
  createdAt: Millis;
  expiresAt: Millis;
  lastSeenAt: Millis;
}

export const AUDIT_ACTIONS = [
  'key.created',
  'key.updated',
  'key.deactivated',
  'key.reactivated',
  'key.revoked',
  'key.rotated',
  'key.deleted',
  'key.leak_dismissed',
  'key.tokens_revoked',
  'site.created',
  'site.deleted',
  'user.signed_in',
  'webhook.created',
  'webhook.updated',
  'webhook.secret_rolled',
  'webhook.deleted',
  'user.password_changed',
  'user.signed_out_elsewhere',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One line of an account's audit log: who did what to which key, site or user. */
export interface AuditEntry {
  id: string;
  accountId: string;
  /** The dashboard user; null for an operator (admin CLI) or an API key (REST). */
  userId: string | null;
  time: Millis;
  action: AuditAction;
  targetType: 'api_key' | 'site' | 'user' | 'webhook';
  targetId: string;
  targetName: string;
  details: Record<string, unknown>;
}

/** SPEC §10's event types, in the order the dashboard offers them. */
export const WEBHOOK_EVENT_TYPES = [
  'key.created',
  'key.updated',
  'key.deactivated',
  'key.reactivated',
  'key.rotated',
  'key.revoked',
  'key.leaked',
  'key.deleted',
  'key.expiring',
  'key.expired',
  'quota.threshold',
  'site.created',
  'site.deleted',
  'ip.blocked',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An account's webhook endpoint (SPEC §10). `events` is the types it wants, or `['*']` for all. */
export interface WebhookEndpoint {
  id: string;
  accountId: string;
  url: string;
  events: string[];
  description: string;
  /** `whsec_` + 32 base62: the HMAC key its deliveries are signed with. */
  secret: string;
  enabled: boolean;
  /** Why the endpoint was disabled by Keygate rather than by its owner: `failing` after 3 days of failed attempts. */
  disabledReason: 'failing' | null;
  /** The time of the first failed attempt since the last success; null while deliveries succeed. */
  failingSince: Millis | null;
  createdAt: Millis;
}

/**
 * An event bound for the account's endpoints, in the outbox: `body` is the exact JSON every
 * endpoint receives and signs, so that every attempt of every delivery sends the same bytes.
 */
export interface WebhookEvent {
  id: string;
  accountId: string;
  type: WebhookEventType;
  /** When it happened; its deliveries are not attempted before (a rotation's grace revocation is written ahead). */
  createdAt: Millis;
  body: string;
}
