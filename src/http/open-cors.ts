import type { FastifyInstance } from 'fastify';

/**
 * Opens `path` to every origin (SPEC §6's collect, §9's report-leak): the answer header on
 * every response of the plugin and the preflight a JSON POST from a page triggers.
 */
export function openCors(app: FastifyInstance, path: string): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
  });
  app.options(path, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'Content-Type')
      .header('access-control-max-age', '86400')
      .send(),
  );
}
