/**
 * Typed client of the dashboard JSON API (/dashboard/api), mirroring DASHBOARD-CONTRACT.md.
 * Same-origin fetch with the session cookie; the browser adds the Origin header that the
 * server's CSRF check wants on every mutation.
 */

export interface User {
  id: string;
  email: string;
}

export interface Session {
  user: User;
  account: { id: string; plan: string };
}

export interface Site {
  id: string;
  domain: string;
  key: string;
  events_this_month: number;
  created_at: string;
}

/** GET /sites/:id/stats: the same body as the REST GET /api/v1/sites/:id/stats (SPEC §5). */
export interface SiteStats {
  site_id: string;
  from: string;
  to: string;
  totals: { events: number; humans: number; bots: number };
  days: Array<{ date: string; humans: number; bots: number }>;
  top_bots: Array<{ name: string; events: number }>;
  top_paths: Array<{ path: string; events: number }>;
  top_referrers: Array<{ referrer: string; events: number }>;
}

export type KeyStatus = 'active' | 'inactive' | 'expired' | 'revoked' | 'rotating';
export type KeyMode = 'live' | 'test';
export const QUOTA_PERIODS = ['total', 'daily', 'weekly', 'monthly'] as const;
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];
export type Quotas = Partial<Record<QuotaPeriod, number>>;

export interface Restrictions {
  ips: string[];
  referrers: string[];
  endpoints: string[];
}

export interface DashboardKey {
  id: string;
  name: string;
  category: string;
  mode: KeyMode;
  prefix: string;
  last4: string;
  status: KeyStatus;
  active: boolean;
  expires_at: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  quotas: Quotas;
  quota_use: Quotas;
  restrictions: Restrictions;
  used: boolean;
  /** Set when the key was revoked because it was found leaked (SPEC §9). */
  leak: KeyLeak | null;
  /** OAuth access tokens of the key that are neither expired nor revoked. */
  live_tokens: number;
}

export interface KeyLeak {
  reported_at: string;
  source: 'github' | 'gitlab' | 'report';
  url: string | null;
  dismissed_at: string | null;
}

/** A key revoked as leaked whose flag is not dismissed, as the overview lists it. */
export interface LeakedKey {
  id: string;
  name: string;
  prefix: string;
  last4: string;
  leak: KeyLeak;
}

/** What Generate New Key sends; edits send the same fields but the mode. */
export interface KeyInput {
  name: string;
  category?: string;
  mode?: KeyMode;
  expires_at?: string | null;
  quotas?: Quotas;
  restrictions?: Restrictions;
}

export interface Plan {
  name: string;
  max_keys: number | null;
  per_key_per_minute: number | null;
  account_per_second: number | null;
  account_per_minute: number | null;
  max_sites: number | null;
  log_retention_days: number | null;
}

export interface DailyRequests {
  date: string;
  requests: number;
  errors: number;
}

export interface Overview {
  sites: Site[];
  leaked_keys: LeakedKey[];
  events_this_month: number;
  requests_per_day: DailyRequests[];
}

export interface LogRow {
  id: string;
  time: string;
  key_id: string;
  key_name: string;
  mode: KeyMode;
  method: string;
  route: string;
  path: string;
  status: number;
  code: string | null;
  duration_ms: number;
  ip: string;
  referrer: string | null;
  user_agent: string | null;
  credits: number;
  /** Presented as the key itself, or as an OAuth access token of it. */
  auth: 'key' | 'oauth';
  /** Requests the row stands for: more than 1 for a summary of refusals past the per-minute sample. */
  requests: number;
}

export type StatusClass = '2xx' | '4xx' | '5xx' | '429';

export interface LogFilters {
  key?: string;
  /** One request, by the `request_id` of its answer. */
  request_id?: string;
  status?: StatusClass;
  from?: string;
  to?: string;
}

export interface AuditEntry {
  id: string;
  time: string;
  user: User | null;
  action: string;
  target_type: string;
  target_id: string;
  target_name: string | null;
  details: unknown;
}

export interface Webhook {
  id: string;
  url: string;
  /** The event types it receives; `['*']` is all. */
  events: string[];
  description: string;
  enabled: boolean;
  /** `failing` when Keygate disabled it after 3 days of failed deliveries. */
  disabled_reason: 'failing' | null;
  created_at: string;
}

export interface WebhookInput {
  url: string;
  events: string[];
  description: string;
}

/** One attempt of the delivery log. */
export interface WebhookAttempt {
  delivery_id: number;
  event_id: string;
  type: string;
  attempt: number;
  status: number | null;
  duration_ms: number;
  error: string | null;
  time: string;
  state: 'pending' | 'delivered' | 'failed';
}

/** One of the user's signed-in sessions (browsers); `current` is this one. */
export interface SessionInfo {
  current: boolean;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

/** A refusal from the server, with the contract's `code` and its human message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const BASE = '/dashboard/api';

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(BASE + path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Keygate could not be reached. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = payload as { error?: string; code?: string } | undefined;
    throw new ApiError(response.status, error?.code ?? 'INTERNAL', error?.error ?? `The server answered ${response.status}.`);
  }
  return payload as T;
}

/** `?a=1&b=2` of the defined values, or the empty string. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(name, String(value));
  const text = query.toString();
  return text ? `?${text}` : '';
}

export const api = {
  signUp: (email: string, password: string) => request<Session>('POST', '/signup', { email, password }),
  signIn: (email: string, password: string) => request<Session>('POST', '/signin', { email, password }),
  signOut: () => request<void>('POST', '/signout'),
  session: () => request<Session>('GET', '/session'),

  overview: () => request<Overview>('GET', '/overview'),
  plan: () => request<{ plan: Plan; usage: { keys: number; sites: number } }>('GET', '/plan'),

  sites: () => request<{ sites: Site[] }>('GET', '/sites'),
  site: (id: string) => request<{ site: Site; snippet: string }>('GET', `/sites/${encodeURIComponent(id)}`),
  siteStats: (id: string, range: { from: string; to: string }) => request<SiteStats>('GET', `/sites/${encodeURIComponent(id)}/stats${queryString(range)}`),
  addSite: (domain: string) => request<{ site: Site }>('POST', '/sites', { domain }),
  deleteSite: (id: string) => request<void>('DELETE', `/sites/${encodeURIComponent(id)}`),

  keys: (includeRevoked = false) =>
    request<{ keys: DashboardKey[]; limit: { max_keys: number | null; used: number }; prefixes: Record<KeyMode, string> }>(
      'GET',
      `/keys${includeRevoked ? '?include=revoked' : ''}`,
    ),
  createKey: (input: KeyInput) => request<{ key: DashboardKey; secret: string }>('POST', '/keys', input),
  updateKey: (id: string, input: Omit<KeyInput, 'mode'>) => request<{ key: DashboardKey }>('PATCH', `/keys/${encodeURIComponent(id)}`, input),
  setKeyState: (id: string, action: 'deactivate' | 'reactivate' | 'revoke' | 'dismiss-leak') =>
    request<{ key: DashboardKey }>('POST', `/keys/${encodeURIComponent(id)}/${action}`),
  rotateKey: (id: string, graceSeconds: number, name?: string) =>
    request<{ key: DashboardKey; secret: string; previous: DashboardKey }>('POST', `/keys/${encodeURIComponent(id)}/rotate`, {
      grace_seconds: graceSeconds,
      ...(name && { name }),
    }),
  deleteKey: (id: string) => request<void>('DELETE', `/keys/${encodeURIComponent(id)}`),
  revokeTokens: (id: string) => request<{ key: DashboardKey; revoked_tokens: number }>('POST', `/keys/${encodeURIComponent(id)}/revoke-tokens`),

  logs: (filters: LogFilters, cursor?: string, limit = 50) =>
    request<{ logs: LogRow[]; next_cursor: string | null; total: number }>('GET', `/logs${queryString({ ...filters, cursor, limit })}`),
  logsCsvUrl: (filters: LogFilters) => `${BASE}/logs.csv${queryString({ ...filters })}`,

  webhooks: () => request<{ webhooks: Webhook[]; limit: { max: number; used: number }; event_types: string[] }>('GET', '/webhooks'),
  createWebhook: (input: WebhookInput) => request<{ webhook: Webhook; secret: string }>('POST', '/webhooks', input),
  setWebhookEnabled: (id: string, enabled: boolean) => request<{ webhook: Webhook }>('PATCH', `/webhooks/${encodeURIComponent(id)}`, { enabled }),
  rollWebhookSecret: (id: string) => request<{ webhook: Webhook; secret: string }>('POST', `/webhooks/${encodeURIComponent(id)}/roll-secret`),
  deleteWebhook: (id: string) => request<void>('DELETE', `/webhooks/${encodeURIComponent(id)}`),
  testWebhook: (id: string) => request<{ event_id: string }>('POST', `/webhooks/${encodeURIComponent(id)}/test`),
  webhookDeliveries: (id: string, cursor?: string) =>
    request<{ deliveries: WebhookAttempt[]; next_cursor: string | null }>('GET', `/webhooks/${encodeURIComponent(id)}/deliveries${queryString({ cursor })}`),
  redeliver: (id: string, deliveryId: number) => request<{ delivery_id: number }>('POST', `/webhooks/${encodeURIComponent(id)}/deliveries/${deliveryId}/redeliver`),
  sessions: () => request<{ sessions: SessionInfo[] }>('GET', '/sessions'),
  endOtherSessions: () => request<{ ended: number }>('POST', '/sessions/end-others'),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<{ sessions_ended: number }>('POST', '/password', { current_password: currentPassword, new_password: newPassword }),

  audit: (cursor?: string) => request<{ entries: AuditEntry[]; next_cursor: string | null }>('GET', `/audit${queryString({ cursor })}`),
};
