import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, type ErrorDetails, KeygateError } from '../core/errors.js';
import type { ErrorBody } from './responses.js';

/** The one code → status mapping; exhaustive, so a new code cannot ship without a status. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  IP_BLOCKED: 403,
  MISSING_KEY: 401,
  INVALID_KEY: 401,
  INACTIVE_KEY: 401,
  EXPIRED_KEY: 401,
  KEY_RESTRICTED: 403,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 401,
  SITE_NOT_FOUND: 403,
  KEY_NOT_FOUND: 403,
  INVALID_SITE_KEY: 400,
  VALIDATION_ERROR: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  PLAN_LIMIT: 403,
  NAME_TAKEN: 409,
  KEY_USED: 409,
  EMAIL_TAKEN: 409,
  NOT_SIGNED_IN: 401,
  INVALID_CREDENTIALS: 401,
  CSRF_REJECTED: 403,
  INVALID_SIGNATURE: 401,
  NOT_READY: 503,
  INTERNAL: 500,
};

/** Retry-After in whole seconds: how every refusal, OAuth's included, says when to try again. */
export function setRetryAfter(reply: FastifyReply, seconds: number): void {
  reply.header('retry-after', String(seconds));
}

/** NOT_READY's message: the storage refused a write, for a reason that may pass. */
export const STORAGE_UNAVAILABLE = 'Storage is unavailable (full, read-only or unreachable); try again later';

/**
 * Turns an answer being sent into NOT_READY, from an onSend hook (where the error handlers may
 * have run for this reply already): sets its status and returns the body to send instead.
 */
export function replaceWithNotReady(request: FastifyRequest, reply: FastifyReply, fault: unknown): string {
  logStorageFault(request, fault);
  return JSON.stringify(errorAnswer(reply, 'NOT_READY', STORAGE_UNAVAILABLE));
}

export function logStorageFault(request: FastifyRequest, fault: unknown): void {
  request.log.error({ err: fault }, 'storage cannot take the work now');
}

/** Sets the reply's status and type for `code` and returns SPEC §3's body. */
function errorAnswer(reply: FastifyReply, code: ErrorCode, message: string): ErrorBody & { code: ErrorCode } {
  reply.errorCode = code;
  reply.code(ERROR_STATUS[code]).type('application/json; charset=utf-8');
  return { error: message, code, request_id: reply.request.id };
}

export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply.send(errorAnswer(reply, code, message));
}

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `field: problem`, the field first, as SPEC §3 asks of VALIDATION_ERROR messages. */
export function validationMessage(issues: readonly ValidationIssue[], context: string): string {
  const issue = issues[0];
  if (!issue) return `${context}: is invalid`;
  const path = issue.instancePath.split('/').filter(Boolean).join('.');
  const missing = issue.params.missingProperty;
  const extra = issue.params.additionalProperty;
  if (typeof missing === 'string') return `${path ? `${path}.` : ''}${missing}: is required`;
  if (typeof extra === 'string') return `${path ? `${path}.` : ''}${extra}: is not a known field`;
  return `${path || context}: ${issue.message ?? 'is invalid'}`;
}

/** Fastify's own client errors, by their error codes. */
const FASTIFY_CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'Request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['VALIDATION_ERROR', 'body: unsupported Content-Type; send application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_ERROR', 'body: Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['VALIDATION_ERROR', 'body: must not be empty when Content-Type is application/json'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['VALIDATION_ERROR', 'body: is not valid JSON'],
  FST_ERR_BAD_URL: ['VALIDATION_ERROR', 'url: is not validly percent-encoded'],
};

/** Every error of every endpoint leaves through here with the same three-field body. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof KeygateError) {
    if (error.details.retryAfterSeconds !== undefined) setRetryAfter(reply, error.details.retryAfterSeconds);
    return sendError(reply, error.code, error.message);
  }
  if (error.validation)
    return sendError(reply, 'VALIDATION_ERROR', validationMessage(error.validation as ValidationIssue[], error.validationContext ?? 'request'));
  const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
  if (known) return sendError(reply, known[0], known[1]);
  if (error instanceof SyntaxError && error.statusCode === 400) return sendError(reply, 'VALIDATION_ERROR', 'body: is not valid JSON');
  if (error.statusCode === 413) return sendError(reply, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return sendError(reply, 'VALIDATION_ERROR', `request: ${error.message}`);
  request.log.error({ err: error }, 'unhandled error');
  return sendError(reply, 'INTERNAL', 'Internal server error');
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, 'NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`);
}

/** SPEC §5's answers for a site or key that is not the account's: 403, whether the id exists elsewhere or not at all. */
const REST_NOT_FOUND: Record<NonNullable<ErrorDetails['missing']>, [ErrorCode, string]> = {
  site: ['SITE_NOT_FOUND', 'Site not found'],
  api_key: ['KEY_NOT_FOUND', 'API key not found'],
};

/**
 * The error handler of the REST API's scope: a site or key not found becomes its 403
 * SITE_NOT_FOUND / KEY_NOT_FOUND for every route at once, so none can forget it. Every error
 * then goes on to the app's handler.
 */
export function relabelNotFound(error: FastifyError): never {
  const missing = error instanceof KeygateError && error.code === 'NOT_FOUND' ? error.details.missing : undefined;
  if (missing === undefined) throw error;
  const [code, message] = REST_NOT_FOUND[missing];
  throw new KeygateError(code, message);
}
