import { expect } from 'vitest';
import type { CallResult, TestServer } from '../harness.js';
import { forwardedFor } from './forwarded-for.js';

export const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 §2.3.1: each part form-urlencoded, then `id:secret` in base64. */
export function basicAuth(clientId: string, clientSecret: string): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

export interface OAuthCall {
  /** Sent as HTTP Basic client authentication. */
  basic?: [clientId: string, clientSecret: string];
  /** The client IP, through the trusted loopback proxy (the server runs with TRUST_PROXY 127.0.0.1). */
  ip?: string;
  headers?: Record<string, string>;
}

/** A POST of form parameters (or a raw body) to an OAuth endpoint. */
export function oauthPost(
  server: TestServer,
  path: string,
  params: Record<string, string> | string,
  { basic, ip, headers = {} }: OAuthCall = {},
): Promise<CallResult> {
  return server.call(path, {
    method: 'POST',
    headers: {
      'content-type': FORM,
      ...(basic && { authorization: basicAuth(...basic) }),
      ...(ip !== undefined && forwardedFor(ip)),
      ...headers,
    },
    body: typeof params === 'string' ? params : new URLSearchParams(params).toString(),
  });
}

/** A client-credentials token for the key, or a failed test. */
export async function obtainToken(server: TestServer, clientId: string, clientSecret: string, ip?: string): Promise<string> {
  const result = await oauthPost(
    server,
    '/oauth/token',
    { grant_type: 'client_credentials' },
    { basic: [clientId, clientSecret], ...(ip !== undefined && { ip }) },
  );
  expect(result.status, result.text).toBe(200);
  return result.body.access_token;
}

/** RFC 6749 §5.2's error answer: exactly `{"error", "error_description"}`, never cached. */
export function expectOAuthError(result: CallResult, status: number, error: string, description?: RegExp): void {
  expect({ status: result.status, error: result.body?.error }, result.text).toEqual({ status, error });
  expect(Object.keys(result.body)).toEqual(['error', 'error_description']);
  expect(typeof result.body.error_description).toBe('string');
  if (description) expect(result.body.error_description).toMatch(description);
  expect(result.headers.get('cache-control')).toBe('no-store');
  expect(result.headers.get('pragma')).toBe('no-cache');
  if (status === 401) expect(result.headers.get('www-authenticate')).toBe('Basic realm="keygate"');
}
