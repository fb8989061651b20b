import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MAX_URL_LENGTH } from '../../core/events.js';
import type { Services } from '../../core/services.js';
import { openCors } from '../open-cors.js';
import { noContent } from '../responses.js';
import { errorResponses } from '../schemas.js';

/** SPEC §6: a hit's body is at most 8 KiB. */
const COLLECT_BODY_LIMIT = 8192;

const CollectBody = Type.Object(
  {
    site: Type.String({ maxLength: 64, description: 'The site key (public)', examples: ['ak_0123456789abcdefghijklmn'] }),
    // No maxLength: a long URL is stored cut, never refused (SPEC §6); the body cap bounds it.
    url: Type.String({ minLength: 1, description: `The page's http(s) URL; one over ${MAX_URL_LENGTH} characters is stored cut to ${MAX_URL_LENGTH}` }),
    referrer: Type.Optional(Type.String({ description: `The referring page's URL; empty or absent when none; cut to ${MAX_URL_LENGTH} characters like url` })),
  },
  { additionalProperties: false },
);

/**
 * POST /api/v1/collect, the tracking script's endpoint. It takes a site key, not an API key:
 * registered outside the API-key scope, it is not authenticated, not IP-blocked (SPEC §3)
 * and not request-logged. Open to every origin.
 */
export const collectRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  // navigator.sendBeacon sends a string as text/plain (no CORS preflight): parse it as JSON.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  openCors(app, '/collect');

  app.post(
    '/collect',
    {
      bodyLimit: COLLECT_BODY_LIMIT,
      schema: {
        summary: 'Record a page view (the tracking script calls this); 202 with no body once committed',
        tags: ['Tracking'],
        consumes: ['application/json', 'text/plain'],
        body: CollectBody,
        response: { 202: noContent('Committed'), ...errorResponses('VALIDATION_ERROR', 'INVALID_SITE_KEY', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'INTERNAL') },
      },
    },
    async (request, reply) => {
      await services.events.collect(request.body, { ip: request.clientIp, userAgent: request.headers['user-agent'] });
      return reply.code(202).send();
    },
  );
};
