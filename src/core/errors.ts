/** Every error code Keygate answers with, exactly as SPEC.md writes them. */
export type ErrorCode =
  | 'IP_BLOCKED'
  | 'MISSING_KEY'
  | 'INVALID_KEY'
  | 'INACTIVE_KEY'
  | 'EXPIRED_KEY'
  | 'KEY_RESTRICTED'
  | 'RATE_LIMITED'
  | 'QUOTA_EXCEEDED'
  | 'SITE_NOT_FOUND'
  | 'KEY_NOT_FOUND'
  | 'INVALID_SITE_KEY'
  | 'VALIDATION_ERROR'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'URI_TOO_LONG'
  | 'HEADERS_TOO_LARGE'
  | 'REQUEST_TIMEOUT'
  | 'PLAN_LIMIT'
  | 'NAME_TAKEN'
  | 'KEY_USED'
  | 'EMAIL_TAKEN'
  | 'NOT_SIGNED_IN'
  | 'INVALID_CREDENTIALS'
  | 'CSRF_REJECTED'
  | 'INVALID_SIGNATURE'
  | 'NOT_READY'
  | 'INTERNAL';

/** What a refusal says besides its code and message. */
export interface ErrorDetails {
  /** NOT_FOUND: what was looked for. The REST API answers a site or key that is not the account's with its own code (SPEC §5). */
  missing?: 'site' | 'api_key';
  /** RATE_LIMITED: whole seconds until a retry can be admitted (the answer's Retry-After). */
  retryAfterSeconds?: number | undefined;
}

/** An expected refusal: carries a code from the closed set and a message safe to show. */
export class KeygateError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'KeygateError';
  }
}

/** A VALIDATION_ERROR whose message starts with the offending field, as the spec asks. */
export function invalid(field: string, problem: string): KeygateError {
  return new KeygateError('VALIDATION_ERROR', `${field}: ${problem}`);
}
