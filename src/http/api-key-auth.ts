import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeygateError } from '../core/errors.js';
import type { ApiKey, Millis } from '../core/model.js';
import type { RequestAuth } from '../core/ports.js';
import type { RequestGate } from '../core/request-gate.js';
import type { WindowState } from '../core/rolling-windows.js';
import { ACCESS_TOKEN_PREFIX } from '../lib/access-token.js';
import type { Clock } from '../lib/clock.js';

/** A presented key known to be an account's, and how far it got: what the request log records. */
export interface KeyUse {
  key: ApiKey;
  time: Millis;
  /** Passed checks 1–9: consumed rate limit and quota. */
  accepted: boolean;
  /** Presented as the key itself or as an OAuth access token of it. */
  auth: RequestAuth;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The key that passed checks 1–9; set on every API-key route's handler. */
    apiKey: ApiKey;
    /** The version of stored keys and sites the key was checked at: the route's cached reads use it too. */
    keysVersion: string;
    keyUse: KeyUse | undefined;
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

/** SPEC §3's per-key headers: the IETF draft's pair and the widespread X- trio. */
function setRateLimitHeaders(reply: FastifyReply, state: WindowState, now: Millis): void {
  reply.header('ratelimit-policy', `"per-key";q=${state.limit};w=60`);
  reply.header('ratelimit', `"per-key";r=${state.remaining};t=${state.resetSeconds}`);
  reply.header('x-ratelimit-limit', state.limit);
  reply.header('x-ratelimit-remaining', state.remaining);
  reply.header('x-ratelimit-reset', Math.floor(now / 1000) + state.resetSeconds);
}

/**
 * The onRequest hook of the API-key routes: runs after routing (so unknown routes are 404
 * first) and before body parsing and validation (so the checks of SPEC §3 come first).
 */
export function apiKeyAuth(gate: RequestGate, clock: Clock) {
  return async function authenticateApiKey(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const time = clock.now();
    const token = bearerToken(request.headers.authorization);
    const outcome = await gate.check(token, {
      ip: request.clientIp,
      origin: single(request.headers.origin),
      referer: single(request.headers.referer),
      method: request.method,
      route: request.routeOptions.url ?? request.url,
    });
    if (outcome.key) request.keyUse = { key: outcome.key, time, accepted: outcome.ok, auth: token!.startsWith(ACCESS_TOKEN_PREFIX) ? 'oauth' : 'key' };
    if (outcome.perKey) setRateLimitHeaders(reply, outcome.perKey, time);
    if (!outcome.ok) throw new KeygateError(outcome.code, outcome.message, { retryAfterSeconds: outcome.retryAfterSeconds });
    request.apiKey = outcome.key;
    request.keysVersion = outcome.keysVersion;
  };
}

/** Marks an object body as a test-mode answer (SPEC §3: `"livemode": false`). */
export function inMode<T extends object>(request: FastifyRequest, body: T): T & { livemode?: false } {
  return request.apiKey.mode === 'test' ? { ...body, livemode: false } : body;
}
