import type { Generated } from 'kysely';

/** Table shapes as stored. Times are epoch milliseconds; booleans are 0/1; lists are JSON text. */
export interface Database {
  accounts: { id: string; plan: string; created_at: number };
  users: { id: string; account_id: string; email: string; password_hash: string; created_at: number };
  sites: { id: string; account_id: string; domain: string; site_key: string; created_at: number };
  api_keys: {
    id: string;
    account_id: string;
    name: string;
    category: string;
    mode: string;
    prefix: string;
    last4: string;
    hash: string;
    active: number;
    expires_at: number | null;
    quotas: string;
    restrictions: string;
    created_at: number;
    created_by: string | null;
    last_used_at: number | null;
    revoked_at: number | null;
    /** Accepted requests, all time: the `total` quota, which outlives log retention. */
    usage_total: Generated<number>;
  };
  request_logs: {
    seq: Generated<number>;
    id: string;
    account_id: string;
    key_id: string;
    mode: string;
    time: number;
    method: string;
    route: string;
    path: string;
    status: number;
    error_code: string | null;
    duration_ms: number;
    ip: string;
    referrer: string | null;
    user_agent: string | null;
    credits: number;
    accepted: number;
    requests: Generated<number>;
  };
  /** Accepted requests per key and minute, for the rolling quotas (30 days are kept). */
  key_usage: { key_id: string; minute: number; count: number };
  /** Raw tracked hits; `bot` is null for a human. Pruned after a retention period. */
  events: {
    seq: Generated<number>;
    site_id: string;
    time: number;
    url: string;
    referrer: string | null;
    user_agent: string | null;
    bot: string | null;
  };
  /** Events per site and UTC day (days since the epoch). */
  event_days: { site_id: string; day: number; humans: number; bots: number };
  /** Events per site, dimension (`bot`, `path`, `referrer` host), UTC day and value. */
  event_day_values: { site_id: string; dimension: string; day: number; value: string; events: number };
  /** Dashboard sessions, by the SHA-256 of their id. */
  sessions: { id_hash: string; user_id: string; account_id: string; created_at: number; expires_at: number; last_seen_at: number };
  /** Who changed what; `details` is JSON text, `user_id` null for operators and API keys. */
  audit_log: {
    seq: Generated<number>;
    id: string;
    account_id: string;
    user_id: string | null;
    time: number;
    action: string;
    target_type: string;
    target_id: string;
    target_name: string;
    details: string;
  };
  /** PostgreSQL only: one row, bumped after every key write (the key-change signal). */
  key_change_version: { version: number };
  /** One row that readiness rewrites to learn that storage takes writes again after a fault. */
  storage_probe: { id: number; written_at: number };
}
