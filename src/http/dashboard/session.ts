import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeygateError } from '../../core/errors.js';
import type { SessionOwner, SessionService, SignedIn } from '../../core/sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user and account; set on every dashboard route that needs a session. */
    owner: SessionOwner;
  }
}

const SESSION_COOKIE = 'kg_session';

/** HttpOnly (no script reads it), SameSite=Lax, Secure whenever the request came over HTTPS. */
function cookieOptions(request: FastifyRequest) {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https' } as const;
}

export function sessionCookie(request: FastifyRequest): string | undefined {
  return request.cookies[SESSION_COOKIE] || undefined;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn): void {
  reply.setCookie(SESSION_COOKIE, signedIn.sessionId, { ...cookieOptions(request), expires: new Date(signedIn.expiresAt) });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
}

/** The onRequest hook of the routes behind sign-in: 401 NOT_SIGNED_IN without a live session. */
export function requireSession(sessions: SessionService) {
  return async function resolveSession(request: FastifyRequest): Promise<void> {
    const sessionId = sessionCookie(request);
    const owner = sessionId === undefined ? undefined : await sessions.resolve(sessionId);
    if (!owner) throw new KeygateError('NOT_SIGNED_IN', 'Sign in first');
    request.owner = owner;
  };
}

/** The signed-in user as the author of a change (audit log), and the account it may touch. */
export function actingUser(request: FastifyRequest): { actor: { userId: string }; scope: { accountId: string } } {
  return { actor: { userId: request.owner.user.id }, scope: { accountId: request.owner.account.id } };
}
