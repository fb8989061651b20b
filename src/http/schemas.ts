import { Type, type TSchema } from 'typebox';
import type { ErrorCode } from '../core/errors.js';
import { ERROR_STATUS } from './errors.js';

/** Schemas shared by several routes. Each route keeps its own request schemas beside its handler. */

export const ErrorBodySchema = Type.Object(
  {
    error: Type.String({ description: 'What went wrong, for people' }),
    code: Type.String({ description: 'What went wrong, for programs (see the error-code table)' }),
    request_id: Type.String({ pattern: '^req_[0-9A-Za-z]{20}$' }),
  },
  { additionalProperties: false },
);

/** The error responses a route can give, by code, for its OpenAPI document. */
export function errorResponses(...codes: ErrorCode[]): Record<number, TSchema> {
  const responses: Record<number, TSchema> = {};
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    const listed = (responses[status] as { description?: string } | undefined)?.description ?? '';
    responses[status] = { ...ErrorBodySchema, description: listed ? `${listed}, ${code}` : code };
  }
  return responses;
}

/** Checks 1–9 of SPEC §3 and the server fault every API-key route can answer with. */
export const AUTH_ERRORS: ErrorCode[] = ['IP_BLOCKED', 'MISSING_KEY', 'INVALID_KEY', 'INACTIVE_KEY', 'EXPIRED_KEY', 'KEY_RESTRICTED', 'RATE_LIMITED', 'QUOTA_EXCEEDED', 'VALIDATION_ERROR', 'INTERNAL'];

/** How every API-key route may be called (OpenAPI): with the key, or with an OAuth access token of it. */
export const API_KEY_SECURITY: Array<Record<string, string[]>> = [{ apiKey: [] }, { oauth2: [] }];

/** Present, and false, only in answers to test keys. */
export const Livemode = Type.Optional(Type.Literal(false, { description: 'Present (false) only when the request used a test key' }));

export const SiteSchema = Type.Object({
  id: Type.String({ examples: ['site_abc123def456'] }),
  domain: Type.String({ examples: ['example.com'] }),
  key: Type.String({ description: 'The public site key for the tracking script', examples: ['ak_xyz789'] }),
  events_this_month: Type.Integer({ minimum: 0 }),
  created_at: Type.String({ format: 'date-time' }),
});

const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const KeySchema = Type.Object({
  id: Type.String({ examples: ['key_0123456789abcdef'] }),
  name: Type.String(),
  category: Type.String(),
  mode: Type.Union([Type.Literal('live'), Type.Literal('test')]),
  prefix: Type.String({ examples: ['sk_live_'] }),
  last4: Type.String(),
  active: Type.Boolean(),
  expires_at: NullableTime,
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: NullableTime,
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** The range of a site's stats (SPEC §5), for GET /api/v1/sites/:id/stats and the dashboard's stats alike. */
export const StatsQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'First day, YYYY-MM-DD (UTC); default: 29 days before `to`', examples: ['2026-01-01'] })),
  to: Type.Optional(Type.String({ description: 'Last day, YYYY-MM-DD (UTC), included; default: today', examples: ['2026-01-30'] })),
});
