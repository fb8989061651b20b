import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KeygateError } from '../../core/errors.js';
import type { Services } from '../../core/services.js';
import { LiveAnswer, ReadyAnswer } from '../responses.js';
import { errorResponses } from '../schemas.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/healthz', { schema: { summary: 'Liveness: the process answers', tags: ['Operation'], response: { 200: LiveAnswer } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: storage (and Redis, when configured) answers',
        tags: ['Operation'],
        response: { 200: ReadyAnswer, ...errorResponses('NOT_READY') },
      },
    },
    async (request) => {
      try {
        await services.ping();
      } catch (error) {
        request.log.warn({ err: error }, 'storage or Redis is not reachable');
        throw new KeygateError('NOT_READY', 'Storage or Redis is not reachable');
      }
      return { status: 'ready' as const };
    },
  );
};
