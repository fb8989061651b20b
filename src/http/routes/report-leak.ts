import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MAX_URL_LENGTH } from '../../core/events.js';
import type { Services } from '../../core/services.js';
import { openCors } from '../open-cors.js';
import { LeakReportAnswer } from '../responses.js';
import { errorResponses } from '../schemas.js';

const ReportBody = Type.Object(
  {
    key: Type.String({ maxLength: 1024, description: 'The API key you found' }),
    url: Type.Optional(Type.String({ maxLength: MAX_URL_LENGTH, description: 'The http(s) URL where you found it' })),
  },
  { additionalProperties: false },
);

/**
 * POST /api/v1/keys/report-leak (SPEC §9): anyone who found a key reports it here. The answer
 * is 202 whatever the key, and is given before the key is even looked up, so that neither it
 * nor its timing tells anything about keys. Open to every origin, limited per client IP, not
 * IP-blocked and not request-logged.
 */
export const reportLeakRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  openCors(app, '/keys/report-leak');

  app.post(
    '/keys/report-leak',
    {
      // Before the body is read, so every attempt counts, well-formed or not.
      onRequest: async (request) => {
        await services.leaks.admitReporter(request.clientIp);
      },
      schema: {
        summary: 'Report an API key found in public: a key of this server is revoked at once; the answer is the same for any key',
        tags: ['Leaked keys'],
        body: ReportBody,
        response: {
          202: LeakReportAnswer,
          ...errorResponses('VALIDATION_ERROR', 'RATE_LIMITED', 'PAYLOAD_TOO_LARGE', 'INTERNAL'),
        },
      },
    },
    async (request, reply) => {
      services.leaks.receiveReport(request.body.key, request.body.url ?? null);
      return reply.code(202).send({ received: true as const });
    },
  );
};
