import { type TSchema, Type } from 'typebox';
import type { ErrorCode } from '../core/errors.js';
import { ERROR_STATUS } from './errors.js';
import { ErrorBodySchema } from './responses.js';

/** Request schemas shared by several routes, and the error answers of each. Answers' schemas are in responses.ts. */

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
export const AUTH_ERRORS: ErrorCode[] = [
  'IP_BLOCKED',
  'MISSING_KEY',
  'INVALID_KEY',
  'INACTIVE_KEY',
  'EXPIRED_KEY',
  'KEY_RESTRICTED',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'VALIDATION_ERROR',
  'INTERNAL',
];

/** How every API-key route may be called (OpenAPI): with the key, or with an OAuth access token of it. */
export const API_KEY_SECURITY: Array<Record<string, string[]>> = [{ apiKey: [] }, { oauth2: [] }];

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** The range of a site's stats (SPEC §5), for GET /api/v1/sites/:id/stats and the dashboard's stats alike. */
export const StatsQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'First day, YYYY-MM-DD (UTC); default: 29 days before `to`', examples: ['2026-01-01'] })),
  to: Type.Optional(Type.String({ description: 'Last day, YYYY-MM-DD (UTC), included; default: today', examples: ['2026-01-30'] })),
});
