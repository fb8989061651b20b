import { type Static, Type } from 'typebox';

/**
 * Every JSON answer of the REST API and of the dashboard API, one TypeBox schema each: the
 * single source of their shapes. Routes declare them as their response schemas (Fastify
 * serialises with them, and drops any field a schema does not list), the views in views.ts
 * are typed by them, and the dashboard (web/src/api.ts) and the tests import their types.
 *
 * This file imports nothing but TypeBox: the dashboard's type check reads it, and must not
 * pull in server code.
 */

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
const Count = Type.Integer({ minimum: 0 });
const Mode = Type.Union([Type.Literal('live'), Type.Literal('test')]);
const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'Where the next page starts; null on the last page' });

export const ErrorBodySchema = Type.Object(
  {
    error: Type.String({ description: 'What went wrong, for people' }),
    code: Type.String({ description: 'What went wrong, for programs (see the error-code table)' }),
    request_id: Type.String({ pattern: '^req_[0-9A-Za-z]{20}$' }),
  },
  { additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBodySchema>;

/** An answer with no body (a 204, or a 202 that says no more): documented as null, sent empty (`reply.send()`). */
export function noContent(description = 'No body') {
  return Type.Unsafe<undefined>(Type.Null({ description }));
}

/** Present, and false, only in answers to test keys. */
export const Livemode = Type.Optional(Type.Literal(false, { description: 'Present (false) only when the request used a test key' }));

// Sites (SPEC §5)

export const SiteSchema = Type.Object({
  id: Type.String({ examples: ['site_abc123def456'] }),
  domain: Type.String({ examples: ['example.com'] }),
  key: Type.String({ description: 'The public site key for the tracking script', examples: ['ak_xyz789'] }),
  events_this_month: Count,
  created_at: Time,
});
export type SiteView = Static<typeof SiteSchema>;

export const SiteStatsSchema = Type.Object({
  site_id: Type.String(),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  totals: Type.Object({ events: Type.Integer(), humans: Type.Integer(), bots: Type.Integer() }),
  days: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), humans: Type.Integer(), bots: Type.Integer() }), {
    description: 'Every day of the range, ascending',
  }),
  top_bots: Type.Array(Type.Object({ name: Type.String(), events: Count }), { maxItems: 10 }),
  top_paths: Type.Array(Type.Object({ path: Type.String(), events: Count }), { maxItems: 10 }),
  top_referrers: Type.Array(Type.Object({ referrer: Type.String(), events: Count }), {
    maxItems: 10,
    description: 'By host name; hits without a referrer are left out',
  }),
});
export type SiteStatsView = Static<typeof SiteStatsSchema>;

// API keys (SPEC §2, §5, §8)

export const KeySchema = Type.Object({
  id: Type.String({ examples: ['key_0123456789abcdef'] }),
  name: Type.String(),
  category: Type.String(),
  mode: Mode,
  prefix: Type.String({ examples: ['sk_live_'] }),
  last4: Type.String(),
  active: Type.Boolean(),
  expires_at: NullableTime,
  created_at: Time,
  last_used_at: NullableTime,
});
export type KeyView = Static<typeof KeySchema>;

/** What operators see (the admin CLI): the list view plus when the key was, or will be, revoked. */
export const KeyAdminSchema = Type.Object({ ...KeySchema.properties, revoked_at: NullableTime });
export type KeyAdminView = Static<typeof KeyAdminSchema>;

/** The one answer that carries the secret (the admin CLI's create-key and rotate-key): the id, the key, then the settings. */
export const IssuedKeySchema = Type.Object({
  id: KeySchema.properties.id,
  key: Type.String({ description: 'The key itself, shown this once' }),
  name: KeySchema.properties.name,
  category: KeySchema.properties.category,
  mode: Mode,
  prefix: KeySchema.properties.prefix,
  last4: KeySchema.properties.last4,
  expires_at: NullableTime,
  created_at: Time,
});
export type IssuedKeyView = Static<typeof IssuedKeySchema>;

/** Why a key was revoked as leaked (SPEC §9). */
export const LeakSchema = Type.Object({
  reported_at: Time,
  source: Type.Union([Type.Literal('github'), Type.Literal('gitlab'), Type.Literal('report')]),
  url: Type.Union([Type.String(), Type.Null()]),
  dismissed_at: NullableTime,
});
export type LeakView = Static<typeof LeakSchema>;

const QuotaCounts = Type.Object({ total: Type.Optional(Count), daily: Type.Optional(Count), weekly: Type.Optional(Count), monthly: Type.Optional(Count) });

/** A key as the dashboard lists it: every setting, its status, how much of each quota is used, any leak and its live OAuth tokens. */
export const DashboardKeySchema = Type.Object({
  ...KeyAdminSchema.properties,
  status: Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('expired'), Type.Literal('revoked'), Type.Literal('rotating')]),
  quotas: QuotaCounts,
  quota_use: QuotaCounts,
  restrictions: Type.Object({ ips: Type.Array(Type.String()), referrers: Type.Array(Type.String()), endpoints: Type.Array(Type.String()) }),
  used: Type.Boolean(),
  leak: Type.Union([LeakSchema, Type.Null()]),
  live_tokens: Count,
});
export type DashboardKeyView = Static<typeof DashboardKeySchema>;

// Plans (SPEC §1)

/** A plan's limits under their PLANS_FILE names; null is unlimited. */
export const PlanSchema = Type.Object({
  name: Type.String(),
  max_keys: Type.Union([Count, Type.Null()]),
  per_key_per_minute: Type.Union([Count, Type.Null()]),
  account_per_second: Type.Union([Count, Type.Null()]),
  account_per_minute: Type.Union([Count, Type.Null()]),
  max_sites: Type.Union([Count, Type.Null()]),
  log_retention_days: Type.Union([Count, Type.Null()]),
});
export type PlanView = Static<typeof PlanSchema>;

// Request logs (SPEC §4)

/** A log row as the admin CLI shows it. */
export const RequestLogSchema = Type.Object({
  id: Type.String(),
  time: Time,
  key_id: Type.String(),
  mode: Mode,
  method: Type.String(),
  route: Type.String(),
  path: Type.String(),
  status: Type.Integer(),
  code: Type.Union([Type.String(), Type.Null()]),
  duration_ms: Type.Number(),
  ip: Type.String(),
  referrer: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  credits: Count,
  auth: Type.Union([Type.Literal('key'), Type.Literal('oauth')], { description: 'Presented as the key itself, or as an OAuth access token of it' }),
  requests: Type.Integer({ minimum: 1, description: 'Requests the row stands for: more than 1 for a summary of refusals past the per-minute sample' }),
});
export type RequestLogView = Static<typeof RequestLogSchema>;

/** A log row as the dashboard shows it: the CLI's row and the key's name, null once the key is deleted. */
export const LoggedRequestSchema = Type.Object({ ...RequestLogSchema.properties, key_name: Type.Union([Type.String(), Type.Null()]) });
export type LoggedRequestView = Static<typeof LoggedRequestSchema>;

export const DailyRequestsSchema = Type.Object({ date: Type.String({ format: 'date' }), requests: Count, errors: Count });
export type DailyRequestsView = Static<typeof DailyRequestsSchema>;

// Audit log, webhooks, sessions

const UserSchema = Type.Object({ id: Type.String(), email: Type.String() });

export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  time: Time,
  user: Type.Union([UserSchema, Type.Null()], { description: 'The dashboard user; null for an operator (admin CLI) or an API key (REST)' }),
  action: Type.String(),
  target_type: Type.String(),
  target_id: Type.String(),
  target_name: Type.String(),
  details: Type.Unknown(),
});
export type AuditEntryView = Static<typeof AuditEntrySchema>;

/** A webhook endpoint: everything but its secret. */
export const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String(), { description: "The event types it receives; ['*'] is all" }),
  description: Type.String(),
  enabled: Type.Boolean(),
  disabled_reason: Type.Union([Type.Literal('failing'), Type.Null()], { description: 'failing when Keygate disabled it after 3 days of failed deliveries' }),
  created_at: Time,
});
export type WebhookView = Static<typeof WebhookSchema>;

/** One attempt of the delivery log (SPEC §10). */
export const WebhookAttemptSchema = Type.Object({
  delivery_id: Type.Integer(),
  event_id: Type.String(),
  type: Type.String(),
  attempt: Type.Integer(),
  status: Type.Union([Type.Integer(), Type.Null()]),
  duration_ms: Type.Number(),
  error: Type.Union([Type.String(), Type.Null()]),
  time: Time,
  state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
});
export type WebhookAttemptView = Static<typeof WebhookAttemptSchema>;

/** What sign-up, sign-in and GET /session answer: the user and the account, with the plan it is on. */
export const SessionSchema = Type.Object({ user: UserSchema, account: Type.Object({ id: Type.String(), plan: Type.String() }) });
export type SessionView = Static<typeof SessionSchema>;

/** One of the user's signed-in sessions (browsers); `current` is the one asking. */
export const SessionInfoSchema = Type.Object({ current: Type.Boolean(), created_at: Time, last_seen_at: Time, expires_at: Time });
export type SessionInfoView = Static<typeof SessionInfoSchema>;

// Whole answers of the REST API (/api/v1)

export const RestSiteList = Type.Object({ sites: Type.Array(SiteSchema), livemode: Livemode });
export const RestSite = Type.Object({ site: SiteSchema, livemode: Livemode });
export const RestSiteStats = Type.Object({ ...SiteStatsSchema.properties, livemode: Livemode });
export const RestKeyList = Type.Object({ api_keys: Type.Array(KeySchema), livemode: Livemode });
export const RestKeyRevoked = Type.Object({ id: Type.String(), revoked: Type.Literal(true), livemode: Livemode });
export type RestSiteList = Static<typeof RestSiteList>;
export type RestSite = Static<typeof RestSite>;
export type RestSiteStats = Static<typeof RestSiteStats>;
export type RestKeyList = Static<typeof RestKeyList>;
export type RestKeyRevoked = Static<typeof RestKeyRevoked>;

// Operation, leak reports and OAuth (outside the API-key scope)

export const LiveAnswer = Type.Object({ status: Type.Literal('ok') });
export const ReadyAnswer = Type.Object({ status: Type.Literal('ready') });
export const LeakReportAnswer = Type.Object({ received: Type.Literal(true) });
/** GitHub's secret-scanning answer: a label per reported token. */
export const ScanLabelsAnswer = Type.Array(
  Type.Object({
    token_hash: Type.String({ description: 'Hex SHA-256 of the token' }),
    token_type: Type.String(),
    label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')]),
  }),
);
/** RFC 8414's authorization-server metadata. */
export const OAuthMetadataAnswer = Type.Object({
  issuer: Type.String(),
  token_endpoint: Type.String(),
  revocation_endpoint: Type.String(),
  grant_types_supported: Type.Array(Type.String()),
  response_types_supported: Type.Array(Type.String()),
  token_endpoint_auth_methods_supported: Type.Array(Type.String()),
  revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
  service_documentation: Type.String(),
});
/** RFC 6749 §5.1's token answer. */
export const OAuthTokenAnswer = Type.Object({
  access_token: Type.String({ examples: ['at_…'] }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
});
/** RFC 6749 §5.2's error answer, which the OAuth endpoints give instead of SPEC §3's. */
export const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.String() });
export type ScanLabelsAnswer = Static<typeof ScanLabelsAnswer>;
export type OAuthMetadataAnswer = Static<typeof OAuthMetadataAnswer>;
export type OAuthTokenAnswer = Static<typeof OAuthTokenAnswer>;
export type OAuthErrorBody = Static<typeof OAuthErrorBody>;

// Whole answers of the dashboard API (/dashboard/api)

export const LeakedKeySchema = Type.Object({ id: Type.String(), name: Type.String(), prefix: Type.String(), last4: Type.String(), leak: LeakSchema });
export type LeakedKeyView = Static<typeof LeakedKeySchema>;

export const OverviewAnswer = Type.Object({
  sites: Type.Array(SiteSchema),
  leaked_keys: Type.Array(LeakedKeySchema, { description: 'Keys revoked as leaked whose flag is not dismissed' }),
  events_this_month: Count,
  requests_per_day: Type.Array(DailyRequestsSchema),
});
export const PlanAnswer = Type.Object({ plan: PlanSchema, usage: Type.Object({ keys: Count, sites: Count }) });
export const SiteListAnswer = Type.Object({ sites: Type.Array(SiteSchema) });
export const SiteAnswer = Type.Object({ site: SiteSchema });
export const SiteDetailAnswer = Type.Object({ site: SiteSchema, snippet: Type.String({ description: 'The tracking script tag to paste' }) });
export const KeyListAnswer = Type.Object({
  keys: Type.Array(DashboardKeySchema),
  limit: Type.Object({ max_keys: Type.Union([Count, Type.Null()]), used: Count }),
  prefixes: Type.Object({ live: Type.String(), test: Type.String() }),
  categories: Type.Array(Type.String(), { description: 'The standard key categories, the default first; any other label is allowed too' }),
});
export const KeyAnswer = Type.Object({ key: DashboardKeySchema });
export const IssuedKeyAnswer = Type.Object({ key: DashboardKeySchema, secret: Type.String() });
export const RotatedKeyAnswer = Type.Object({ key: DashboardKeySchema, secret: Type.String(), previous: DashboardKeySchema });
export const TokensRevokedAnswer = Type.Object({ key: DashboardKeySchema, revoked_tokens: Count });
export const LogPageAnswer = Type.Object({ logs: Type.Array(LoggedRequestSchema), next_cursor: NextCursor, total: Count });
export const AuditPageAnswer = Type.Object({ entries: Type.Array(AuditEntrySchema), next_cursor: NextCursor });
export const WebhookListAnswer = Type.Object({
  webhooks: Type.Array(WebhookSchema),
  limit: Type.Object({ max: Count, used: Count }),
  event_types: Type.Array(Type.String()),
});
export const WebhookAnswer = Type.Object({ webhook: WebhookSchema });
export const WebhookSecretAnswer = Type.Object({ webhook: WebhookSchema, secret: Type.String() });
export const WebhookTestAnswer = Type.Object({ event_id: Type.String() });
export const DeliveryPageAnswer = Type.Object({ deliveries: Type.Array(WebhookAttemptSchema), next_cursor: NextCursor });
export const RedeliveryAnswer = Type.Object({ delivery_id: Type.Integer() });
export const SessionListAnswer = Type.Object({ sessions: Type.Array(SessionInfoSchema) });
export const SessionsEndedAnswer = Type.Object({ ended: Count });
export const PasswordChangedAnswer = Type.Object({ sessions_ended: Count });

export type OverviewAnswer = Static<typeof OverviewAnswer>;
export type PlanAnswer = Static<typeof PlanAnswer>;
export type SiteListAnswer = Static<typeof SiteListAnswer>;
export type SiteAnswer = Static<typeof SiteAnswer>;
export type SiteDetailAnswer = Static<typeof SiteDetailAnswer>;
export type KeyListAnswer = Static<typeof KeyListAnswer>;
export type KeyAnswer = Static<typeof KeyAnswer>;
export type IssuedKeyAnswer = Static<typeof IssuedKeyAnswer>;
export type RotatedKeyAnswer = Static<typeof RotatedKeyAnswer>;
export type TokensRevokedAnswer = Static<typeof TokensRevokedAnswer>;
export type LogPageAnswer = Static<typeof LogPageAnswer>;
export type AuditPageAnswer = Static<typeof AuditPageAnswer>;
export type WebhookListAnswer = Static<typeof WebhookListAnswer>;
export type WebhookAnswer = Static<typeof WebhookAnswer>;
export type WebhookSecretAnswer = Static<typeof WebhookSecretAnswer>;
export type WebhookTestAnswer = Static<typeof WebhookTestAnswer>;
export type DeliveryPageAnswer = Static<typeof DeliveryPageAnswer>;
export type RedeliveryAnswer = Static<typeof RedeliveryAnswer>;
export type SessionListAnswer = Static<typeof SessionListAnswer>;
export type SessionsEndedAnswer = Static<typeof SessionsEndedAnswer>;
export type PasswordChangedAnswer = Static<typeof PasswordChangedAnswer>;
