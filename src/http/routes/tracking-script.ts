import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** The script sites embed (SPEC §6), hand-minified in assets/; read once, at start. */
export const TRACKING_SCRIPT = readFileSync(new URL('../../../assets/t.js', import.meta.url));
const ETAG = `"${createHash('sha256').update(TRACKING_SCRIPT).digest('base64url').slice(0, 22)}"`;

/** GET /t.js: public, cacheable, and outside the IP block (SPEC §3). */
export const trackingScriptRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/t.js',
    { schema: { summary: 'The tracking script a site embeds with data-site="ak_…"', tags: ['Tracking'], produces: ['text/javascript'] } },
    async (request, reply) => {
      // Short-lived, so a fixed script reaches sites within the hour; revalidation is a cheap 304.
      reply.header('cache-control', 'public, max-age=3600').header('etag', ETAG).header('x-content-type-options', 'nosniff');
      if (request.headers['if-none-match'] === ETAG) return reply.code(304).send();
      return reply.type('text/javascript; charset=utf-8').send(TRACKING_SCRIPT);
    },
  );
};
