import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../core/authenticator.js';
import { KeygateError } from '../core/errors.js';
import type { ApiKey } from '../core/model.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The key that passed authentication; set on every API-key route's handler. */
    apiKey: ApiKey;
  }
}

const BEARER = /^bearer +(\S+) *$/i;

/** The token of `Authorization: Bearer <token>`, or undefined when the header is absent or not that. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

function single(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/**
 * The onRequest hook of the API-key routes: runs after routing (so unknown routes are 404
 * first) and before body parsing and validation (so the checks of SPEC §3 come first).
 */
export function apiKeyAuth(authenticator: Authenticator) {
  return async function authenticateApiKey(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const outcome = await authenticator.authenticate(bearerToken(request.headers.authorization), {
      ip: request.clientIp,
      origin: single(request.headers.origin),
      referer: single(request.headers.referer),
      method: request.method,
      route: request.routeOptions.url ?? request.url,
    });
    if (!outcome.ok) throw new KeygateError(outcome.code, outcome.message);
    request.apiKey = outcome.key;
  };
}

/** Marks an object body as a test-mode answer (SPEC §3: `"livemode": false`). */
export function inMode<T extends object>(request: FastifyRequest, body: T): T & { livemode?: false } {
  return request.apiKey.mode === 'test' ? { ...body, livemode: false } : body;
}
