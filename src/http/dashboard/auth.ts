import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Services } from '../../core/services.js';
import type { SessionOwner, SignedIn } from '../../core/sessions.js';
import { noContent, SessionSchema, type SessionView } from '../responses.js';
import { sessionView } from '../views.js';
import { clearSessionCookie, requireSession, sessionCookie, setSessionCookie } from './session.js';

const CredentialsBody = Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });

/** Sign-up, sign-in and sign-out: the routes that work without a session. */
export const authRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const view = (owner: SessionOwner): SessionView => sessionView(owner, services.accounts.planOfAccount(owner.account));
  const signedIn = (request: FastifyRequest, reply: FastifyReply, session: SignedIn): SessionView => {
    setSessionCookie(request, reply, session);
    return view(session);
  };

  app.post('/signup', { schema: { body: CredentialsBody, response: { 201: SessionSchema } } }, async (request, reply) => {
    const session = await services.sessions.signUp(request.body, request.clientIp, sessionCookie(request));
    return reply.code(201).send(signedIn(request, reply, session));
  });

  app.post('/signin', { schema: { body: CredentialsBody, response: { 200: SessionSchema } } }, async (request, reply) => {
    const session = await services.sessions.signIn(request.body, request.clientIp, sessionCookie(request));
    return signedIn(request, reply, session);
  });

  app.post('/signout', { schema: { response: { 204: noContent() } } }, async (request, reply) => {
    const sessionId = sessionCookie(request);
    if (sessionId !== undefined) await services.sessions.signOut(sessionId);
    clearSessionCookie(request, reply);
    return reply.code(204).send();
  });

  app.get('/session', { onRequest: requireSession(services.sessions), schema: { response: { 200: SessionSchema } } }, async (request) => view(request.owner));
};
