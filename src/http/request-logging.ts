import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../core/errors.js';
import type { RequestLogEntry } from '../core/ports.js';
import type { SampledRequestLog } from '../core/sampled-request-log.js';
import type { KeyUse } from './api-key-auth.js';
import { replaceWithNotReady } from './errors.js';

declare module 'fastify' {
  interface FastifyReply {
    /** The `code` of the error body this reply carries, if any. */
    errorCode: ErrorCode | undefined;
  }
}

const MAX_TEXT = 1024;

function clip(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? null : text.slice(0, MAX_TEXT);
}

function logEntry(request: FastifyRequest, reply: FastifyReply, use: KeyUse): RequestLogEntry {
  const status = reply.statusCode;
  return {
    id: request.id,
    accountId: use.key.accountId,
    keyId: use.key.id,
    mode: use.key.mode,
    time: use.time,
    method: request.method,
    route: request.routeOptions.url ?? '',
    // The path only: a query string is the client's business and may carry anything.
    path: request.url.split('?')[0]!.slice(0, MAX_TEXT),
    status,
    errorCode: reply.errorCode ?? null,
    durationMs: Math.round(reply.elapsedTime * 100) / 100,
    ip: request.clientIp,
    referrer: clip(request.headers.referer ?? request.headers.origin),
    userAgent: clip(request.headers['user-agent']),
    credits: use.accepted && use.key.mode === 'live' && status < 400 ? 1 : 0,
    accepted: use.accepted,
    auth: use.auth,
    requests: 1,
  };
}

/**
 * The onSend hook of the API-key routes: the answer leaves only once its log row is
 * committed (SPEC §4), so a crash never loses a request a client saw answered.
 */
export function logRequests(log: SampledRequestLog, isStorageFault: (error: unknown) => boolean) {
  return async function commitRequestLog(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const use = request.keyUse;
    if (!use) return payload;
    // Cleared first: if the commit fails, the 500 that follows is not logged again.
    request.keyUse = undefined;
    try {
      await log.add(logEntry(request, reply, use));
    } catch (error) {
      if (!isStorageFault(error)) throw error;
      // Whatever the answer was (a refusal too, whose error handler has run), storage that
      // cannot take its row cannot take the request: 503 here, not the 500 a second error would give.
      return replaceWithNotReady(request, reply, error);
    }
    return payload;
  };
}
