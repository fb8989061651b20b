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
}

export function isRevoked(key: ApiKey, now: Millis): boolean {
  return key.revokedAt !== null && key.revokedAt <= now;
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
  'site.created',
  'site.deleted',
  'user.signed_in',
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
  targetType: 'api_key' | 'site' | 'user';
  targetId: string;
  targetName: string;
  details: Record<string, unknown>;
}
