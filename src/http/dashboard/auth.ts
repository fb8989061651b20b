import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Services } from '../../core/services.js';
import type { SessionOwner, SignedIn } from '../../core/sessions.js';
import { clearSessionCookie, requireSession, sessionCookie, setSessionCookie } from './session.js';

const CredentialsBody = Type.Object(
  { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);

/** `{user, account}`: what sign-up, sign-in and GET /session answer. */
function sessionView({ user, account }: SessionOwner) {
  return { user: { id: user.id, email: user.email }, account: { id: account.id, plan: account.plan } };
}

function signedIn(request: FastifyRequest, reply: FastifyReply, session: SignedIn) {
  setSessionCookie(request, reply, session);
  return sessionView(session);
}

/** Sign-up, sign-in and sign-out: the routes that work without a session. */
export const authRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post('/signup', { schema: { body: CredentialsBody } }, async (request, reply) => {
    const session = await services.sessions.signUp(request.body, request.clientIp, sessionCookie(request));
    return reply.code(201).send(signedIn(request, reply, session));
  });

  app.post('/signin', { schema: { body: CredentialsBody } }, async (request, reply) => {
    const session = await services.sessions.signIn(request.body, request.clientIp, sessionCookie(request));
    return signedIn(request, reply, session);
  });

  app.post('/signout', async (request, reply) => {
    const sessionId = sessionCookie(request);
    if (sessionId !== undefined) await services.sessions.signOut(sessionId);
    clearSessionCookie(request, reply);
    return reply.code(204).send();
  });

  app.get('/session', { onRequest: requireSession(services.sessions) }, async (request) => sessionView(request.owner));
};
