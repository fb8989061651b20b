import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { handleNotFound } from './errors.js';

/** web/dist of the package, from src/http (tsx, Vitest) and dist/http (built) alike. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths the server answers itself: they never fall back to the dashboard page. */
const SERVER_PREFIXES = ['/api/', '/dashboard/api/', '/oauth/', '/.well-known/'];
const SERVER_PATHS = ['/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/t.js'];

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keygate</title></head>
<body><p>Keygate dashboard is not built: run <code>npm run build</code>.</p></body></html>
`;

/** A GET for a client-side route of the SPA (`/signin`, `/sites/:id`...) rather than for the server's own paths. */
function isClientRoute(method: string, url: string): boolean {
  if (method !== 'GET') return false;
  const path = url.split('?')[0]!;
  return !SERVER_PREFIXES.some((prefix) => path.startsWith(prefix)) && !SERVER_PATHS.some((own) => path === own || path.startsWith(`${own}/`));
}

/**
 * Serves the built SPA from `webRoot` under / and answers every other client route with its
 * index.html (client-side routing); everything else unknown keeps the JSON 404. Without a
 * build, client routes get a page that says how to build it.
 */
export async function serveDashboard(app: FastifyInstance, webRoot: string): Promise<void> {
  const built = existsSync(webRoot);
  if (built) await app.register(fastifyStatic, { root: webRoot, prefix: '/' });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    if (!isClientRoute(request.method, request.url)) return handleNotFound(request, reply);
    return built ? reply.sendFile('index.html') : reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
  });
}
