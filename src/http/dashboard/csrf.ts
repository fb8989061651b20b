import type { FastifyRequest } from 'fastify';
import { KeygateError } from '../../core/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** scheme://host[:port] of the server as this request reached it (TRUST_PROXY-aware). */
export function requestOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`.toLowerCase();
}

/**
 * The onRequest hook of the dashboard API: a mutation must carry an Origin header naming
 * this server. Browsers always send Origin on cross-origin and on same-origin non-GET
 * fetches, so a form or script on another site cannot act with the user's cookie, and a
 * request without Origin (not from a browser page of ours) is refused too.
 */
export async function rejectCrossSite(request: FastifyRequest): Promise<void> {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || origin.toLowerCase() !== requestOrigin(request)) {
    throw new KeygateError('CSRF_REJECTED', 'Cross-site request refused');
  }
}
