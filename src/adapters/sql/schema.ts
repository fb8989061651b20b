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
    /** Set together when the key was revoked as leaked (SPEC §9); `leak_source` is github, gitlab or report. */
    leaked_at: number | null;
    leak_source: string | null;
    leak_url: string | null;
    leak_dismissed_at: number | null;
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
    /** `key` or `oauth` (an access token of the key). */
    auth: string;
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
  /** OAuth access tokens by the SHA-256 of the token; `revoked_at` set by revocation (RFC 7009, or all of a key's). */
  access_tokens: { hash: string; key_id: string; account_id: string; created_at: number; expires_at: number; revoked_at: number | null };
  /** PostgreSQL only: one row, bumped after every key write (the key-change signal). */
  key_change_version: { version: number };
  webhook_endpoints: {
    id: string;
    account_id: string;
    url: string;
    description: string;
    /** The signing secret: the signer needs it as such, so it cannot be hashed like an API key. */
    secret: string;
    enabled: number;
    disabled_reason: string | null;
    failing_since: number | null;
    created_at: number;
  };
  /** The event types each endpoint wants; `*` is all. */
  webhook_endpoint_events: { endpoint_id: string; type: string };
  /** The outbox: one row per event that had somewhere to go, `body` the exact JSON delivered. */
  webhook_events: { id: string; account_id: string; type: string; created_at: number; body: string };
  /** One row per event and endpoint (and per redelivery); `state` is pending, delivered or failed. */
  webhook_deliveries: {
    seq: Generated<number>;
    event_id: string;
    endpoint_id: string;
    state: string;
    attempts: number;
    next_attempt_at: number;
    claimed_until: number | null;
    claimed_by: string | null;
    created_at: number;
  };
  /** Every attempt made: the delivery log. */
  webhook_attempts: {
    seq: Generated<number>;
    delivery_seq: number;
    endpoint_id: string;
    event_id: string;
    event_type: string;
    attempt: number;
    time: number;
    status: number | null;
    duration_ms: number;
    error: string | null;
  };
  /** Notices the watchers sent, by `<kind>:<key id>:<window or expiry>:<level>`. */
  webhook_notices: { key: string; created_at: number };
  /** One row that readiness rewrites to learn that storage takes writes again after a fault. */
  storage_probe: { id: number; written_at: number };
}
