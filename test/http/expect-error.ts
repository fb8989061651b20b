import { expect } from 'vitest';
import type { CallResult } from '../harness.js';

export const REQUEST_ID = /^req_[0-9A-Za-z]{20}$/;

/**
 * Asserts SPEC §3's error answer: `status`, and a body of exactly
 * `{"error", "code", "request_id"}` whose request id is also the `X-Request-Id` header.
 * `message` is matched exactly (string) or by pattern.
 */
export function expectError(result: CallResult, status: number, code: string, message?: string | RegExp): void {
  expect({ status: result.status, code: result.body?.code }, result.text).toEqual({ status, code });
  expect(Object.keys(result.body)).toEqual(['error', 'code', 'request_id']);
  if (typeof message === 'string') expect(result.body.error).toBe(message);
  else if (message) expect(result.body.error).toMatch(message);
  expect(result.body.request_id).toMatch(REQUEST_ID);
  expect(result.headers.get('x-request-id')).toBe(result.body.request_id);
}
