/**
 * Typed client of the dashboard JSON API (/dashboard/api). The answers' types come from the
 * server's schemas (src/http/responses.ts), as types only: nothing of the server is bundled.
 * Same-origin fetch with the session cookie; the browser adds the Origin header that the
 * server's CSRF check wants on every mutation.
 */

import type {
  AuditEntryView,
  AuditPageAnswer,
  DailyRequestsView,
  DashboardKeyView,
  DeliveryPageAnswer,
  ErrorBody,
  IssuedKeyAnswer,
  KeyAnswer,
  KeyListAnswer,
  LeakedKeyView,
  LeakView,
  LoggedRequestView,
  LogPageAnswer,
  OverviewAnswer,
  PasswordChangedAnswer,
  PlanAnswer,
  PlanView,
  RedeliveryAnswer,
  RotatedKeyAnswer,
  SessionInfoView,
  SessionListAnswer,
  SessionsEndedAnswer,
  SessionView,
  SiteAnswer,
  SiteDetailAnswer,
  SiteListAnswer,
  SiteStatsView,
  SiteView,
  TokensRevokedAnswer,
  WebhookAnswer,
  WebhookAttemptView,
  WebhookListAnswer,
  WebhookSecretAnswer,
  WebhookTestAnswer,
  WebhookView,
} from '@server/responses';

export type Session = SessionView;
export type User = SessionView['user'];
export type Site = SiteView;
/** GET /sites/:id/stats: the same body as the REST GET /api/v1/sites/:id/stats (SPEC §5). */
export type SiteStats = SiteStatsView;

export type DashboardKey = DashboardKeyView;
export type KeyStatus = DashboardKey['status'];
export type KeyMode = DashboardKey['mode'];
export const QUOTA_PERIODS = ['total', 'daily', 'weekly', 'monthly'] as const;
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];
export type Quotas = DashboardKey['quotas'];
export type Restrictions = DashboardKey['restrictions'];
/** Set when the key was revoked because it was found leaked (SPEC §9). */
export type KeyLeak = LeakView;
/** A key revoked as leaked whose flag is not dismissed, as the overview lists it. */
export type LeakedKey = LeakedKeyView;

/** What Generate New Key sends; edits send the same fields but the mode. */
export interface KeyInput {
  name: string;
  category?: string;
  mode?: KeyMode;
  expires_at?: string | null;
  quotas?: Quotas;
  restrictions?: Restrictions;
}

export type Plan = PlanView;
export type DailyRequests = DailyRequestsView;
export type Overview = OverviewAnswer;
/** A request log row; `key_name` is null once the key is deleted. */
export type LogRow = LoggedRequestView;

export type StatusClass = '2xx' | '4xx' | '5xx' | '429';

export interface LogFilters {
  key?: string;
  /** One request, by the `request_id` of its answer. */
  request_id?: string;
  status?: StatusClass;
  from?: string;
  to?: string;
}

export type AuditEntry = AuditEntryView;
export type Webhook = WebhookView;

export interface WebhookInput {
  url: string;
  events: string[];
  description: string;
}

export type WebhookAttempt = WebhookAttemptView;
export type SessionInfo = SessionInfoView;

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
    const error = payload as Partial<ErrorBody> | undefined;
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
  plan: () => request<PlanAnswer>('GET', '/plan'),

  sites: () => request<SiteListAnswer>('GET', '/sites'),
  site: (id: string) => request<SiteDetailAnswer>('GET', `/sites/${encodeURIComponent(id)}`),
  siteStats: (id: string, range: { from: string; to: string }) => request<SiteStats>('GET', `/sites/${encodeURIComponent(id)}/stats${queryString(range)}`),
  addSite: (domain: string) => request<SiteAnswer>('POST', '/sites', { domain }),
  deleteSite: (id: string) => request<void>('DELETE', `/sites/${encodeURIComponent(id)}`),

  keys: (includeRevoked = false) => request<KeyListAnswer>('GET', `/keys${includeRevoked ? '?include=revoked' : ''}`),
  createKey: (input: KeyInput) => request<IssuedKeyAnswer>('POST', '/keys', input),
  updateKey: (id: string, input: Omit<KeyInput, 'mode'>) => request<KeyAnswer>('PATCH', `/keys/${encodeURIComponent(id)}`, input),
  setKeyState: (id: string, action: 'deactivate' | 'reactivate' | 'revoke' | 'dismiss-leak') =>
    request<KeyAnswer>('POST', `/keys/${encodeURIComponent(id)}/${action}`),
  rotateKey: (id: string, graceSeconds: number, name?: string) =>
    request<RotatedKeyAnswer>('POST', `/keys/${encodeURIComponent(id)}/rotate`, {
      grace_seconds: graceSeconds,
      ...(name && { name }),
    }),
  deleteKey: (id: string) => request<void>('DELETE', `/keys/${encodeURIComponent(id)}`),
  revokeTokens: (id: string) => request<TokensRevokedAnswer>('POST', `/keys/${encodeURIComponent(id)}/revoke-tokens`),

  logs: (filters: LogFilters, cursor?: string, limit = 50) => request<LogPageAnswer>('GET', `/logs${queryString({ ...filters, cursor, limit })}`),
  logsCsvUrl: (filters: LogFilters) => `${BASE}/logs.csv${queryString({ ...filters })}`,

  webhooks: () => request<WebhookListAnswer>('GET', '/webhooks'),
  createWebhook: (input: WebhookInput) => request<WebhookSecretAnswer>('POST', '/webhooks', input),
  setWebhookEnabled: (id: string, enabled: boolean) => request<WebhookAnswer>('PATCH', `/webhooks/${encodeURIComponent(id)}`, { enabled }),
  rollWebhookSecret: (id: string) => request<WebhookSecretAnswer>('POST', `/webhooks/${encodeURIComponent(id)}/roll-secret`),
  deleteWebhook: (id: string) => request<void>('DELETE', `/webhooks/${encodeURIComponent(id)}`),
  testWebhook: (id: string) => request<WebhookTestAnswer>('POST', `/webhooks/${encodeURIComponent(id)}/test`),
  webhookDeliveries: (id: string, cursor?: string) =>
    request<DeliveryPageAnswer>('GET', `/webhooks/${encodeURIComponent(id)}/deliveries${queryString({ cursor })}`),
  redeliver: (id: string, deliveryId: number) => request<RedeliveryAnswer>('POST', `/webhooks/${encodeURIComponent(id)}/deliveries/${deliveryId}/redeliver`),
  sessions: () => request<SessionListAnswer>('GET', '/sessions'),
  endOtherSessions: () => request<SessionsEndedAnswer>('POST', '/sessions/end-others'),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<PasswordChangedAnswer>('POST', '/password', { current_password: currentPassword, new_password: newPassword }),

  audit: (cursor?: string) => request<AuditPageAnswer>('GET', `/audit${queryString({ cursor })}`),
};
