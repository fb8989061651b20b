import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Services } from '../../core/services.js';
import { PasswordChangedAnswer, SessionListAnswer, SessionsEndedAnswer } from '../responses.js';
import { sessionInfoView } from '../views.js';
import { sessionCookie } from './session.js';

const PasswordBody = Type.Object(
  { current_password: Type.String({ maxLength: 1024 }), new_password: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);

/** The session id of this request; requireSession has already checked it is live. */
function thisSession(request: FastifyRequest): string {
  return sessionCookie(request)!;
}

/** The Account page: change the password, list the signed-in sessions, sign out of the others. */
export const accountRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/sessions', { schema: { response: { 200: SessionListAnswer } } }, async (request) => {
    const sessions = await services.sessions.listSessions(request.owner, thisSession(request));
    return { sessions: sessions.map(sessionInfoView) };
  });

  app.post('/sessions/end-others', { schema: { response: { 200: SessionsEndedAnswer } } }, async (request) => ({
    ended: await services.sessions.endOtherSessions(request.owner, thisSession(request)),
  }));

  app.post('/password', { schema: { body: PasswordBody, response: { 200: PasswordChangedAnswer } } }, async (request) => {
    const { current_password: current, new_password: next } = request.body;
    return { sessions_ended: await services.sessions.changePassword(request.owner, thisSession(request), { current, next }, request.clientIp) };
  });
};
